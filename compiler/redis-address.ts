// How the CLI names a Redis in its messages.

/** `host:port` of a Redis URL, for messages (never the password a URL may carry). */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "127.0.0.1"}:${parsed.port || "6379"}`;
  } catch {
    return url;
  }
}
