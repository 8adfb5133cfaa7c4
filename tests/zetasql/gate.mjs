// GoogleSQL validity gate (driven by tests/BackfillTools.Tests/BigQuery/ZetaSqlGateTests.cs).
// Reads {tables:[{name, columns:[{name,type}]}], statements:[{name, sql, parameters:[{name,type}]|null, sequence?}]} as
// JSON on stdin, starts ZetaSQL's LocalService (remote_server.so from @fivetrandevelopers/zetasql) on 127.0.0.1 only,
// analyzes every statement in order in BigQuery's product mode (PRODUCT_EXTERNAL, maximum features) and prints
// [{name, ok, error}] as JSON. Types are GoogleSQL names: INT64 FLOAT64 STRING BOOL DATE TIMESTAMP NUMERIC, ARRAY<T> or STRUCT<name T, …>.
// Statements sharing a `sequence` name are one script run (a processor's steps): a CREATE [OR REPLACE] TABLE … AS SELECT
// adds its table, with the columns the analyzer resolved, to the catalog of the later statements; DROP TABLE removes it.
// Partition-filter rule (docs/bigquery.md, "The gate"): for every table listed in `partitionFilters` ({table, column}),
// each scan of it in a resolved statement (FROM/JOIN, subquery, CTE, DELETE/UPDATE/MERGE target; not an INSERT target)
// must be bounded on the partition column by a conjunct of a filter over that very scan (its WHERE, its ON, the
// DELETE/UPDATE WHERE or MERGE ON) comparing the scan's own column with an expression free of columns and subqueries:
// `=`, `IN (list)`, `BETWEEN`, or both a lower (`>`/`>=`) and an upper (`<`/`<=`) bound. A filter that reaches the
// column only through a subquery, another table's column or an OR does not count. Each result then carries
// `unfiltered`: the tables scanned without such a bound.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const pkgDir = path.dirname(require.resolve('@fivetrandevelopers/zetasql/package.json'));
// The resolved AST of a long statement (MLFS's 37-feature CASE chains) nests deeper than protobufjs decodes by default
// (100, protoc's limit); this is the client's decoder, not the analyzer, so lift it (the instance proto-loader uses).
const protobuf = createRequire(require.resolve('@grpc/proto-loader'))('protobufjs');
protobuf.util.recursionLimit = protobuf.Reader.recursionLimit = 100000;

const KINDS = { INT64: 'TYPE_INT64', FLOAT64: 'TYPE_DOUBLE', STRING: 'TYPE_STRING', BOOL: 'TYPE_BOOL', DATE: 'TYPE_DATE',
  TIMESTAMP: 'TYPE_TIMESTAMP', NUMERIC: 'TYPE_NUMERIC', DATETIME: 'TYPE_DATETIME', JSON: 'TYPE_JSON', BIGNUMERIC: 'TYPE_BIGNUMERIC', BYTES: 'TYPE_BYTES', TIME: 'TYPE_TIME' };
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

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

// Only the fields the catalog needs from a resolved type (the response also carries descriptors and nulls).
const cleanType = t => ({ typeKind: t.typeKind, ...(t.arrayType ? { arrayType: { elementType: cleanType(t.arrayType.elementType) } } : {}),
  ...(t.structType ? { structType: { field: t.structType.field.map(f => ({ fieldName: f.fieldName, fieldType: cleanType(f.fieldType) })) } } : {}) });

// CTAS: its table (name and resolved columns) joins the sequence's catalog; DROP TABLE: leaves it.
function track(own, stmt) {
  const ctas = stmt?.resolvedCreateStatementNode?.resolvedCreateTableStmtBaseNode?.resolvedCreateTableAsSelectStmtNode;
  if (ctas) {
    const name = ctas.parent.parent.namePath.join('.');
    own.set(name, { name, column: ctas.parent.columnDefinitionList.map(c => ({ name: c.name, type: cleanType(c.type) })) });
  }
  const drop = stmt?.resolvedDropStmtNode;
  if (drop && drop.objectType === 'TABLE') own.delete(drop.namePath.join('.'));
}

// ---- partition-filter rule over the resolved AST (the JSON form of zetasql's resolved_ast.proto)
const idOf = c => c?.columnId?.low ?? c?.columnId;
function* conjuncts(expr) {
  const call = expr?.resolvedFunctionCallBaseNode?.resolvedFunctionCallNode?.parent;
  if (call?.function?.name === 'ZetaSQL:$and') { for (const a of call.argumentList) yield* conjuncts(a); }
  else if (expr) yield expr;
}
// True when the subtree reads no column and runs no subquery: a constant or parameter expression.
function isConstant(node) {
  if (node === null || typeof node !== 'object') return true;
  if (node.resolvedColumnRefNode || node.resolvedSubqueryExprNode) return false;
  return Object.values(node).every(isConstant);
}
const colRef = e => e?.resolvedColumnRefNode ? idOf(e.resolvedColumnRefNode.column) : undefined;
// Adds to `bounds` (column id -> {lo, hi}) what one conjunct says about a column compared with constants.
function boundsOf(expr, bounds) {
  for (const c of conjuncts(expr)) {
    const call = c?.resolvedFunctionCallBaseNode?.resolvedFunctionCallNode?.parent;
    if (!call) continue;
    const fn = call.function?.name?.replace('ZetaSQL:', '');
    const args = call.argumentList ?? [];
    const mark = (id, lo, hi) => { if (id === undefined) return; const b = bounds.get(id) ?? { lo: false, hi: false }; b.lo ||= lo; b.hi ||= hi; bounds.set(id, b); };
    if ((fn === '$equal' || fn === '$between' || fn === '$in') && colRef(args[0]) !== undefined && args.slice(1).every(isConstant)) mark(colRef(args[0]), true, true);
    else if (fn === '$equal' && colRef(args[1]) !== undefined && isConstant(args[0])) mark(colRef(args[1]), true, true);
    else if (['$less', '$less_or_equal', '$greater', '$greater_or_equal'].includes(fn) && args.length === 2) {
      const upper = fn === '$less' || fn === '$less_or_equal';
      if (colRef(args[0]) !== undefined && isConstant(args[1])) mark(colRef(args[0]), !upper, upper);
      else if (colRef(args[1]) !== undefined && isConstant(args[0])) mark(colRef(args[1]), upper, !upper);
    }
  }
}
// The tables of `partitioned` (lower-case full name -> partition column) that the statement scans without a bound.
function unfilteredScans(stmt, partitioned) {
  const scans = [];            // {table, id}: scans of partitioned tables, id = their partition column's id (if read)
  const bounds = new Map();
  const scan = (ts) => {
    const name = String(ts?.table?.fullName || ts?.table?.name || '').toLowerCase();
    const col = partitioned.get(name);
    if (!col) return;
    const c = (ts.parent?.columnList ?? []).find(c => String(c.name).toLowerCase() === col);
    scans.push({ table: ts.table.fullName || ts.table.name, id: c ? idOf(c) : undefined });
  };
  const walk = (node, key) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) { node.forEach(n => walk(n)); return; }
    for (const [k, v] of Object.entries(node)) {
      if (v === null || typeof v !== 'object') continue;
      if (k === 'resolvedTableScanNode') scan(v);
      else if (k === 'resolvedFilterScanNode') boundsOf(v.filterExpr, bounds);
      else if (k === 'resolvedJoinScanNode') boundsOf(v.joinExpr, bounds);
      else if (k === 'resolvedDeleteStmtNode' || k === 'resolvedUpdateStmtNode') { scan(v.tableScan); boundsOf(v.whereExpr, bounds); }
      else if (k === 'resolvedMergeStmtNode') { scan(v.tableScan); boundsOf(v.mergeExpr, bounds); }
      // An INSERT's target is written, not scanned.
      if (k === 'resolvedInsertStmtNode') { const { tableScan, ...rest } = v; walk(rest); continue; }
      if ((k === 'resolvedDeleteStmtNode' || k === 'resolvedUpdateStmtNode' || k === 'resolvedMergeStmtNode')) { const { tableScan, ...rest } = v; walk(rest); continue; }
      walk(v, k);
    }
  };
  walk(stmt);
  return [...new Set(scans.filter(s => { const b = s.id === undefined ? null : bounds.get(s.id); return !(b && b.lo && b.hi); }).map(s => s.table))];
}

const input = JSON.parse(await new Promise(r => { let d = ''; process.stdin.on('data', c => d += c); process.stdin.on('end', () => r(d)); }));
const port = await freePort();
const binary = path.join(pkgDir, 'lib', 'zetasql', process.arch === 'arm64' ? 'remote_server_arm.so' : 'remote_server.so');
const server = spawn(binary, ['127.0.0.1', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
let serverLog = '';
server.stderr.on('data', d => { serverLog += d; });
let exited = null;
server.on('exit', code => { exited = code; });

const def = protoLoader.loadSync('local_service.proto', { defaults: true, oneofs: true, includeDirs: [path.join(pkgDir, 'lib', 'zetasql', 'protos')] });
const proto = grpc.loadPackageDefinition(def);
const api = new proto.zetasql.local_service.ZetaSqlLocalService(`127.0.0.1:${port}`, grpc.credentials.createInsecure(),
  { 'grpc.max_send_message_length': 64 << 20, 'grpc.max_receive_message_length': 64 << 20 });
const call = (fn, req) => new Promise((res, rej) => api[fn](req, { deadline: Date.now() + 30000 }, (e, r) => e ? rej(e) : res(r)));

try {
  let ready = false;
  for (let i = 0; i < 60 && !ready && exited === null; i++) {
    try { await call('formatSql', { sql: 'SELECT 1' }); ready = true; } catch { await new Promise(r => setTimeout(r, 500)); }
  }
  if (!ready) throw new Error(`ZetaSQL server did not start (exit ${exited}): ${serverLog.slice(0, 2000)}`);

  const languageOptions = await call('getLanguageOptions', { maximumFeatures: true });
  languageOptions.productMode = 'PRODUCT_EXTERNAL';   // BigQuery's mode: FLOAT64 yes, DOUBLE no
  languageOptions.supportedStatementKinds = ['RESOLVED_QUERY_STMT', 'RESOLVED_INSERT_STMT', 'RESOLVED_UPDATE_STMT',
    'RESOLVED_DELETE_STMT', 'RESOLVED_MERGE_STMT', 'RESOLVED_CREATE_TABLE_STMT', 'RESOLVED_CREATE_TABLE_AS_SELECT_STMT', 'RESOLVED_DROP_STMT', 'RESOLVED_BEGIN_STMT', 'RESOLVED_COMMIT_STMT',
    'RESOLVED_ROLLBACK_STMT', 'RESOLVED_ALTER_TABLE_STMT'];
  const declared = input.tables.map(t => ({ name: t.name, column: t.columns.map(c => ({ name: c.name, type: typeProto(c.type) })) }));
  const partitioned = new Map((input.partitionFilters ?? []).map(p => [p.table.toLowerCase(), p.column.toLowerCase()]));
  const created = new Map();   // sequence -> Map(table name -> catalog table) made by its earlier CTAS statements
  const results = [];
  for (const s of input.statements) {
    const own = s.sequence ? (created.get(s.sequence) ?? created.set(s.sequence, new Map()).get(s.sequence)) : new Map();
    const simpleCatalog = {
      name: 'backfilltools',
      builtinFunctionOptions: { languageOptions },
      // A created table shadows a declared one of the same name (CREATE OR REPLACE).
      table: [...declared.filter(t => !own.has(t.name)), ...own.values()],
    };
    const options = { languageOptions, errorMessageMode: 'ERROR_MESSAGE_ONE_LINE' };
    if (s.parameters) options.queryParameters = s.parameters.map(p => ({ name: p.name, type: typeProto(p.type) }));
    else options.allowUndeclaredParameters = true;
    try {
      const r = await call('analyze', { simpleCatalog, sqlStatement: s.sql, options });
      track(own, r.resolvedStatement);
      results.push({ name: s.name, ok: true, unfiltered: unfilteredScans(r.resolvedStatement, partitioned) });
    } catch (e) {
      results.push({ name: s.name, ok: false, error: e.details ?? String(e) });
    }
  }
  process.stdout.write(JSON.stringify({ results }));
} catch (e) {
  process.stdout.write(JSON.stringify({ fatal: String(e && e.message || e) }));
  process.exitCode = 2;
} finally {
  server.kill('SIGKILL');
}
