// Text from Redis or a spec, made safe inside HTML text and attribute values, by the HTTP framework's own escaper.
import { escapeToBuffer } from "hono/utils/html";

/** `text` with & < > " ' as character references. */
export function escapeHtml(text: unknown): string {
  const buffer: [string] = [""];
  escapeToBuffer(String(text), buffer);
  return buffer[0];
}
