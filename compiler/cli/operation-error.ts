// The error a command throws when its work fails (a path it cannot read or write): exit 1, a message naming the path and the reason.
export class OperationError extends Error {
  override name = "OperationError";
}

const reasons: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ELOOP: "too many levels of symbolic links",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EEXIST: "file exists",
};

/** The OS reason of a file system error (or of `{ code }`) as the shell says it, with its code: "permission denied (EACCES)". */
export function fileSystemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code !== "string") return message;
  // Node words the others as "EBUSY: resource busy or locked, open 'x'".
  const reason = reasons[code] ?? /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1] ?? code;
  return `${reason} (${code})`;
}

/** "cannot <action> <path>: <reason> (<CODE>)", as an OperationError. */
export function fileSystemError(action: string, path: string, error: unknown): OperationError {
  return new OperationError(`cannot ${action} ${path}: ${fileSystemReason(error)}`);
}
