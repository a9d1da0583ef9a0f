// The error a command throws for bad usage (a bad option value, a missing or conflicting option): exit 2, message, no stack trace.
export class UsageError extends Error {
  override name = "UsageError";
}
