// Reference-engine driver for the equivalence suites (tests/BackfillTools.Tests/Equivalence): runs GoogleSQL statements
// on ZetaSQL's reference implementation (EvaluateQuery / EvaluateModify of the LocalService in
// @fivetrandevelopers/zetasql, started on 127.0.0.1 only, as gate.mjs does) over table contents this process keeps.
// Long-lived: one JSON request per stdin line, one JSON answer per stdout line, so statements pay no process start.
//   {"op":"table","name","columns":[{name,type}],"rows":[[v,…]]}  set a table's contents (replaces it)
//   {"op":"run","sql","params":[{name,type,value}]}                 one statement:
//       CREATE [OR REPLACE] TABLE t AS SELECT …  → the query's result becomes t's contents (columns as resolved)
//       INSERT / DELETE                          → EvaluateModify against t's contents; its answer is applied to t
//       anything else                            → a query; answers {columns, rows}
//   {"op":"dump","name"}  → {columns, rows};  {"op":"drop","name"}
// Every table whose name occurs in a statement's text goes with it (catalog and contents). Values in JSON: INT64 and
// STRUCT as the array of its field values, NUMERIC as strings, FLOAT64 as numbers (or "NaN"/"Infinity"/"-Infinity"), DATE "YYYY-MM-DD", TIMESTAMP as
// microseconds since the epoch (string), BOOL, STRING, arrays as JSON arrays, NULL as null.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const pkgDir = path.dirname(require.resolve('@fivetrandevelopers/zetasql/package.json'));
const protobuf = createRequire(require.resolve('@grpc/proto-loader'))('protobufjs');
protobuf.util.recursionLimit = protobuf.Reader.recursionLimit = 100000;

const KINDS = { INT64: 'TYPE_INT64', FLOAT64: 'TYPE_DOUBLE', STRING: 'TYPE_STRING', BOOL: 'TYPE_BOOL', DATE: 'TYPE_DATE',
  TIMESTAMP: 'TYPE_TIMESTAMP', NUMERIC: 'TYPE_NUMERIC' };
const NAMES = Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [v, k]));
// STRUCT<name T, …> fields, split at the commas outside any nested <…>.
function structFields(t) {
  const m = /^STRUCT<(.+)>$/.exec(t);
  if (!m) return null;
  const fields = [];
  let depth = 0, start = 0;
  const body = m[1];
  for (let i = 0; i <= body.length; i++) {
    const c = body[i];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if ((c === ',' && depth === 0) || i === body.length) {
      const f = body.slice(start, i).trim();
      const sp = f.indexOf(' ');
      fields.push({ name: f.slice(0, sp), type: f.slice(sp + 1).trim() });
      start = i + 1;
    }
  }
  return fields;
}
function typeProto(t) {
  const m = /^ARRAY<(.+)>$/.exec(t);
  if (m) return { typeKind: 'TYPE_ARRAY', arrayType: { elementType: typeProto(m[1]) } };
  const fields = structFields(t);
  if (fields) return { typeKind: 'TYPE_STRUCT', structType: { field: fields.map(f => ({ fieldName: f.name, fieldType: typeProto(f.type) })) } };
  if (!KINDS[t]) throw new Error(`unknown type ${t}`);
  return { typeKind: KINDS[t] };
}
function typeName(p) {
  if (p.typeKind === 'TYPE_ARRAY') return `ARRAY<${typeName(p.arrayType.elementType)}>`;
  if (p.typeKind === 'TYPE_STRUCT') return `STRUCT<${(p.structType.field ?? []).map(f => `${f.fieldName} ${typeName(f.fieldType)}`).join(', ')}>`;
  if (!NAMES[p.typeKind]) throw new Error(`unsupported result type ${p.typeKind}`);
  return NAMES[p.typeKind];
}

// NUMERIC travels as the two's-complement little-endian bytes of value × 10^9 (ZetaSQL's NumericValue encoding).
const SCALE = 1000000000n;
function numericBytes(s) {
  const m = /^(-?)(\d+)(?:\.(\d{0,9}))?$/.exec(s);
  if (!m) throw new Error(`bad NUMERIC ${s}`);
  let v = BigInt(m[2]) * SCALE + BigInt((m[3] ?? '').padEnd(9, '0'));
  if (m[1]) v = -v;
  const out = [];
  for (;;) {
    const b = Number(v & 0xffn);
    out.push(b);
    v >>= 8n;   // arithmetic shift: ends at 0 or -1
    if ((v === 0n && (b & 0x80) === 0) || (v === -1n && (b & 0x80) !== 0)) break;
  }
  return Buffer.from(out);
}
function numericString(buf) {
  let v = 0n;
  for (let i = buf.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[i]);
  if (buf.length && (buf[buf.length - 1] & 0x80)) v -= 1n << BigInt(8 * buf.length);
  const neg = v < 0n; if (neg) v = -v;
  const frac = (v % SCALE).toString().padStart(9, '0').replace(/0+$/, '');
  return (neg ? '-' : '') + (v / SCALE).toString() + (frac ? '.' + frac : '');
}

const DAY = 86400000;
function encode(t, v) {
  if (v === null || v === undefined) return {};
  const m = /^ARRAY<(.+)>$/.exec(t);
  if (m) return { arrayValue: { element: v.map(e => encode(m[1], e)) } };
  const fields = structFields(t);
  if (fields) return { structValue: { field: fields.map((f, i) => encode(f.type, v[i])) } };
  switch (t) {
    case 'INT64': return { int64Value: String(v) };
    case 'FLOAT64': return { doubleValue: typeof v === 'string' ? Number(v) : v };
    case 'NUMERIC': return { numericValue: numericBytes(String(v)) };
    case 'STRING': return { stringValue: v };
    case 'BOOL': return { boolValue: v };
    case 'DATE': return { dateValue: Math.round(Date.parse(v + 'T00:00:00Z') / DAY) };
    case 'TIMESTAMP': { const us = BigInt(v); const s = us / 1000000n - (us % 1000000n < 0n ? 1n : 0n);
      return { timestampValue: { seconds: s.toString(), nanos: Number((us - s * 1000000n) * 1000n) } }; }
    default: throw new Error(`unknown type ${t}`);
  }
}
const which = v => v.value ?? Object.keys(v).find(k => k.endsWith('Value'));
function decode(t, v) {
  const k = which(v);
  if (!k) return null;
  const m = /^ARRAY<(.+)>$/.exec(t);
  if (m) return (v.arrayValue.element ?? []).map(e => decode(m[1], e));
  const fields = structFields(t);
  if (fields) return fields.map((f, i) => decode(f.type, (v.structValue.field ?? [])[i] ?? {}));
  switch (t) {
    case 'INT64': return String(v.int64Value);
    case 'FLOAT64': { const d = v.doubleValue; return Number.isFinite(d) ? d : String(d); }
    case 'NUMERIC': return numericString(Buffer.from(v.numericValue));
    case 'STRING': return v.stringValue;
    case 'BOOL': return v.boolValue;
    case 'DATE': return new Date(v.dateValue * DAY).toISOString().slice(0, 10);
    case 'TIMESTAMP': return (BigInt(v.timestampValue.seconds) * 1000000n + BigInt(Math.trunc(v.timestampValue.nanos / 1000))).toString();
    default: throw new Error(`unknown type ${t}`);
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const port = await freePort();
const binary = path.join(pkgDir, 'lib', 'zetasql', process.arch === 'arm64' ? 'remote_server_arm.so' : 'remote_server.so');
const server = spawn(binary, ['127.0.0.1', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
let serverLog = '';
server.stderr.on('data', d => { serverLog = (serverLog + d).slice(-4000); });
let exited = null;
server.on('exit', code => { exited = code; });
process.on('exit', () => server.kill('SIGKILL'));

const def = protoLoader.loadSync('local_service.proto', { defaults: true, oneofs: true, longs: String, enums: String,
  includeDirs: [path.join(pkgDir, 'lib', 'zetasql', 'protos')] });
const proto = grpc.loadPackageDefinition(def);
const api = new proto.zetasql.local_service.ZetaSqlLocalService(`127.0.0.1:${port}`, grpc.credentials.createInsecure(),
  { 'grpc.max_send_message_length': 64 << 20, 'grpc.max_receive_message_length': 64 << 20 });
const call = (fn, req) => new Promise((res, rej) => api[fn](req, { deadline: Date.now() + 600000 }, (e, r) => e ? rej(e) : res(r)));

let ready = false;
for (let i = 0; i < 60 && !ready && exited === null; i++) {
  try { await call('formatSql', { sql: 'SELECT 1' }); ready = true; } catch { await new Promise(r => setTimeout(r, 500)); }
}
const out = o => process.stdout.write(JSON.stringify(o) + '\n');
if (!ready) { out({ fatal: `ZetaSQL server did not start (exit ${exited}): ${serverLog.slice(0, 2000)}` }); process.exit(2); }

const languageOptions = await call('getLanguageOptions', { maximumFeatures: true });
languageOptions.productMode = 'PRODUCT_EXTERNAL';   // BigQuery's mode, as the gate analyzes
languageOptions.supportedStatementKinds = ['RESOLVED_QUERY_STMT', 'RESOLVED_INSERT_STMT', 'RESOLVED_UPDATE_STMT',
  'RESOLVED_DELETE_STMT', 'RESOLVED_MERGE_STMT'];

const tables = new Map();   // name -> { columns: [{name, type}], rows: [[ValueProto]] }

// keyed: the DML target of a DELETE/UPDATE gets a pseudo-column row index as its primary key, so the answer can name
// the rows it removed or changed (without a key it reports neither); a pseudo-column is invisible to SELECT *.
const ROW_INDEX = '__reference_row_index';
// A statement gets only the columns it names (the server takes requests up to 4 MB), except where a star expands a
// row (then every column, since positions and later statements may depend on them) and for its DML target.
const STAR = /(?:\.\s*\*|\bSELECT\s+(?:DISTINCT\s+)?\*|,\s*\*)/i;
function catalogFor(sql, keyed, target) {
  const used = [...tables.entries()].filter(([name]) => sql.includes('`' + name + '`'));
  const words = STAR.test(sql) ? null : new Set((sql.match(/\w+/g) ?? []).map(w => w.toLowerCase()));
  const kept = ([name, t]) => {
    if (!words || name === target) return t.columns.map((_, i) => i);
    const k = t.columns.map((c, i) => words.has(c.name.toLowerCase()) ? i : -1).filter(i => i >= 0);
    return k.length ? k : [0];
  };
  const table = ([name, t], k) => {
    const column = k.map(i => ({ name: t.columns[i].name, type: typeProto(t.columns[i].type) }));
    if (name !== keyed) return { name, column };
    return { name, column: [...column, { name: ROW_INDEX, type: typeProto('INT64'), isPseudoColumn: true }], primaryKeyColumnIndex: [column.length] };
  };
  const rows = ([name, t], k) => {
    const pick = k.length === t.columns.length ? cell => cell : cell => k.map(i => cell[i]);
    return name !== keyed ? t.rows.map(cell => ({ cell: pick(cell) })) : t.rows.map((cell, i) => ({ cell: [...pick(cell), { int64Value: String(i) }] }));
  };
  const ks = used.map(kept);
  return {
    simpleCatalog: { name: 'reference', builtinFunctionOptions: { languageOptions }, table: used.map((e, i) => table(e, ks[i])) },
    tableContent: Object.fromEntries(used.map((e, i) => [e[0], { tableData: { row: rows(e, ks[i]) } }])),
  };
}

function request(sql, params, keyed, target) {
  // BigQuery's default time zone is UTC (the reference engine's is America/Los_Angeles): CAST(DATE AS TIMESTAMP).
  const options = { languageOptions, errorMessageMode: 'ERROR_MESSAGE_ONE_LINE', defaultTimezone: 'UTC',
    queryParameters: (params ?? []).map(p => ({ name: p.name, type: typeProto(p.type) })) };
  return { sql, options, ...catalogFor(sql, keyed, target), params: (params ?? []).map(p => ({ name: p.name, value: encode(p.type, p.value) })) };
}

async function query(sql, params) {
  const r = await call('evaluateQuery', request(sql, params));
  const columns = r.prepared.columns.map(c => ({ name: c.name, type: typeName(c.type) }));
  return { columns, rows: (r.content?.tableData?.row ?? []).map(x => x.cell) };
}

const CTAS = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?TABLE\s+`([^`]+)`\s+AS\s+([\s\S]*)$/i;
const DML = /^\s*(INSERT|DELETE|UPDATE|MERGE)\b/i;

// Leading comments and blank lines do not decide a statement's kind.
const LEAD = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

async function run(text, params) {
  const sql = text.replace(LEAD, '');
  const ctas = CTAS.exec(sql);
  if (ctas) {
    const r = await query(ctas[2], params);
    tables.set(ctas[1], r);
    return { rows: r.rows.length };
  }
  const dml = DML.exec(sql);
  if (dml) {
    const kind = dml[1].toUpperCase();
    const target = /^\s*(?:INSERT\s+(?:INTO\s+)?|DELETE\s+(?:FROM\s+)?|UPDATE\s+|MERGE\s+(?:INTO\s+)?)`([^`]+)`/i.exec(sql)?.[1];
    const t = tables.get(target);
    if (!t) throw new Error(`DML target ${target} is unknown`);
    const r = await call('evaluateModify', request(sql, params, kind === 'INSERT' ? null : target, target));
    const gone = new Set();
    let changed = 0;
    for (const row of r.content) {
      const index = () => Number(row.oldPrimaryKey[0].int64Value);
      if (row.operation === 'INSERT') t.rows.push(row.cell.slice(0, t.columns.length));
      else if (row.operation === 'DELETE') gone.add(index());
      else if (row.operation === 'UPDATE') t.rows[index()] = row.cell.slice(0, t.columns.length);
      else throw new Error(`unexpected ${row.operation} row`);
      changed++;
    }
    if (gone.size) t.rows = t.rows.filter((_, i) => !gone.has(i));
    return { changed };
  }
  const r = await query(sql, params);
  return { columns: r.columns, rows: r.rows.map(cells => cells.map((c, i) => decode(r.columns[i].type, c))) };
}

out({ ready: true });
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  const started = Date.now();
  let req;
  try {
    req = JSON.parse(line);
    let res;
    switch (req.op) {
      case 'table':
        tables.set(req.name, { columns: req.columns, rows: req.rows.map(r => r.map((v, i) => encode(req.columns[i].type, v))) });
        res = { rows: req.rows.length };
        break;
      case 'run': res = await run(req.sql, req.params); break;
      case 'dump': {
        const t = tables.get(req.name);
        if (!t) throw new Error(`no table ${req.name}`);
        res = { columns: t.columns, rows: t.rows.map(cells => cells.map((c, i) => decode(t.columns[i].type, c))) };
        break;
      }
      case 'drop': tables.delete(req.name); res = {}; break;
      default: throw new Error(`unknown op ${req.op}`);
    }
    out({ ok: true, ms: Date.now() - started, ...res });
  } catch (e) {
    out({ ok: false, error: e.details ?? String(e && e.message || e), exited });
  }
}
server.kill('SIGKILL');
process.exit(0);
