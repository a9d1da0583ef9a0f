// The content hash stamped into every generated definition, computed over the data the emitter writes.
import { createHash } from "node:crypto";

import canonicalize from "canonicalize";

import type { DataRecord } from "./record.js";

/**
 * The first 16 hex digits of SHA-256 over the RFC 8785 canonical JSON of `data` (a definition without its `hash`).
 * The runtime's `definitionHash` computes the same from a loaded module; the compiler does not import the runtime,
 * so the algorithm is written twice, and a test holds every generated module to the runtime's result.
 */
export function contentHash(data: DataRecord): string {
  return createHash("sha256")
    .update(canonicalize(data) ?? "")
    .digest("hex")
    .slice(0, 16);
}
