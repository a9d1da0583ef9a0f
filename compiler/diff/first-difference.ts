// Tells whether two definitions differ as data, and where first: object keys in any order, lists in order, as the runtime's canonical JSON hash sees them.

/**
 * Fields that say nothing about how a flow runs: `version` is what the comparison is for, and `hash`
 * is computed from the rest.
 */
const notCompared = new Set(["version", "hash"]);

/** Lists derived from the states (their handlers, which are final): compared last, so a difference is named where it was made. */
const derived = new Set(["guards", "actions", "finals"]);

function keyOrder(path: string) {
  return (a: string, b: string): number => {
    if (path === "" && derived.has(a) !== derived.has(b)) return derived.has(a) ? 1 : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (path === "" ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;
}

function difference(a: unknown, b: unknown, path: string): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const found = difference(a[i], b[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return a.length === b.length ? undefined : `${path}[${Math.min(a.length, b.length)}]`;
  }
  if (isRecord(a) && isRecord(b)) {
    // Key order follows the spec's declaration order, which changes nothing at run time (nor the runtime's hash).
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(keyOrder(path));
    for (const key of keys) {
      if (path === "" && notCompared.has(key)) continue;
      const inA = Object.hasOwn(a, key);
      const inB = Object.hasOwn(b, key);
      if (inA !== inB) return keyPath(path, key);
      const found = difference(a[key], b[key], keyPath(path, key));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return Object.is(a, b) || (a === 0 && b === 0) ? undefined : path || "(the whole definition)";
}

/** The path of the first difference between two definitions (`states.Ringing.timers[0].ms`), ignoring their versions; undefined when they are the same. */
export function firstDifference(before: unknown, after: unknown): string | undefined {
  return difference(before, after, "");
}
