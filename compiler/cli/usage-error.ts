// The error a command throws for bad usage (missing file, bad option value): exit 2, message, no stack trace.
export class UsageError extends Error {
  override name = "UsageError";
}
