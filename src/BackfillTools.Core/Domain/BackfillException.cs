namespace BackfillTools.Core.Domain;

/// <summary>What kind of failure an error is; cmdlets map it onto PowerShell's ErrorCategory.</summary>
public enum ErrorKind
{
    InvalidArgument,
    InvalidData,
    ObjectNotFound,
    ResourceExists,
    ResourceUnavailable,
    ResourceBusy,
    PermissionDenied,
    InvalidOperation,
    NotImplemented,
    OperationStopped,
    ConnectionError,
    WriteError,
    LimitsExceeded,
    /// <summary>A result that does not meet its bar (a partition below -MinCoverage).</summary>
    InvalidResult,
    /// <summary>No kind applies (a partition result carrying an id the product does not classify).</summary>
    NotSpecified,
}

/// <summary>
/// A failure with a stable identifier that operators and runbooks can match on.
/// The ErrorId never changes once released; the message says what to do.
/// </summary>
public class BackfillException : Exception
{
    public BackfillException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public ErrorKind Kind { get; }
    public object? Target { get; }
}
