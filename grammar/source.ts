// Turns the bytes of a `.fsm` file into source text: strict UTF-8, a byte order mark dropped, bad bytes reported as FSM001.
import type { Diagnostic, Position, SourceFile } from "./ast.js";
import { diagnostic } from "./diagnostics.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Byte offset where `bytes` stops being valid UTF-8 (a binary search over prefixes; only run once decoding has failed). */
function firstInvalidByte(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  // Invariant: bytes[0, low) decodes (possibly up to a cut sequence), bytes[0, high) does not.
  const decodes = (end: number): boolean => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (decodes(high)) {
    // Only the last sequence is cut short: it starts at the last byte that is not a continuation byte (10xxxxxx).
    let start = bytes.length - 1;
    while (start > 0 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start--;
    return start;
  }
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if (decodes(middle)) low = middle;
    else high = middle;
  }
  const failing = high - 1;
  // When the failing byte ends a sequence that started earlier (a lead byte waiting for continuations), the sequence's start is the culprit.
  let start = failing;
  while (start > 0 && failing - start < 3 && ((bytes[start - 1] ?? 0) & 0xc0) === 0x80) start--;
  const leadAt = start - 1;
  const lead = bytes[leadAt] ?? 0;
  const sequenceLength = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return leadAt >= 0 && failing - leadAt < sequenceLength ? leadAt : failing;
}

/** Line and column (1-based, in characters) of byte `offset`, from the valid text before it. */
function positionOfByte(bytes: Uint8Array, offset: number): Position {
  const before = new TextDecoder("utf-8").decode(bytes.subarray(0, offset));
  const lines = before.split(/\r\n|\r|\n/);
  const lastLine = lines[lines.length - 1] ?? "";
  return { offset: before.length, line: lines.length, column: lastLine.length + 1 };
}

export function decodeSource(path: string, bytes: Uint8Array): { source?: SourceFile; diagnostics: Diagnostic[] } {
  try {
    // The decoder drops a leading BOM itself (ignoreBOM: false).
    return { source: { path, text: strictUtf8.decode(bytes) }, diagnostics: [] };
  } catch {
    const offset = firstInvalidByte(bytes);
    const start = positionOfByte(bytes, offset);
    const end = { ...start, offset: start.offset + 1, column: start.column + 1 };
    const message = `file is not valid UTF-8 (first invalid byte at offset ${offset}); save it as UTF-8`;
    return { diagnostics: [diagnostic("FSM001", path, { start, end }, message)] };
  }
}
