// The content hash of a machine definition: what tells two definitions with the same version apart.
import { createHash } from "node:crypto";

import canonicalize from "canonicalize";

import type { MachineDefinition } from "./definition.js";

/**
 * The first 16 hex digits of SHA-256 over the definition's RFC 8785 canonical JSON, leaving out the
 * `hash` field itself. The compiler stamps the same hash into every generated module; the runtime
 * computes it from the data it is given, so a module edited by hand is still told apart.
 */
export function definitionHash(definition: MachineDefinition): string {
  const { hash: _hash, __types: _types, ...data } = definition;
  return createHash("sha256")
    .update(canonicalize(data) ?? "")
    .digest("hex")
    .slice(0, 16);
}
