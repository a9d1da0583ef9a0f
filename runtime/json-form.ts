// Finds the first part of a value that JSON would not store as it is, so what is validated is exactly what is stored.

/** Where a value leaves plain JSON: the dotted path ("" for the value itself) and why. */
export interface JsonFormProblem {
  field: string;
  /** A short rule name, as PayloadError.rule: "finite", "json". */
  rule: string;
  detail: string;
}

/**
 * JSON.stringify quietly turns NaN and ±Infinity into null, a Date or any object with `toJSON` into
 * whatever that returns, drops functions and symbols, throws on a BigInt or a cycle, and writes an
 * `undefined` array item as null. A payload validated before that and stored after it would be two
 * different values, so anything of the kind is refused here, naming where it is. Object properties
 * whose value is `undefined` are allowed: JSON leaves them out, and so does the schema check.
 */
export function jsonFormProblem(value: unknown, path = ""): JsonFormProblem | undefined {
  return check(value, path, []);
}

function problem(field: string, rule: string, detail: string): JsonFormProblem {
  return { field, rule, detail };
}

function join(path: string, key: string | number): string {
  return path === "" ? String(key) : `${path}.${key}`;
}

function check(value: unknown, path: string, ancestors: object[]): JsonFormProblem | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : problem(path, "finite", `is ${value}, which JSON cannot store (numbers must be finite)`);
    case "bigint":
      return problem(path, "json", "is a BigInt, which JSON cannot store (use a number or a string)");
    case "undefined":
      return problem(path, "json", "is undefined, which JSON cannot store here");
    case "function":
    case "symbol":
      return problem(path, "json", `is a ${typeof value}, which JSON cannot store`);
  }
  if (value === null) return undefined;
  const object = value as object;
  if (ancestors.includes(object)) return problem(path, "json", "refers back to an object that contains it (a cycle), which JSON cannot store");
  if (Array.isArray(object)) {
    ancestors.push(object);
    for (let i = 0; i < object.length; i++) {
      // A hole or an undefined item would be stored as null.
      const found =
        i in object ? check(object[i], join(path, i), ancestors) : problem(join(path, i), "json", "is a hole in the array, which JSON stores as null");
      if (found) return found;
    }
    ancestors.pop();
    return undefined;
  }
  const prototype = Object.getPrototypeOf(object) as object | null;
  if (prototype !== Object.prototype && prototype !== null) {
    const kind = (prototype as { constructor?: { name?: string } }).constructor?.name || "an object with a prototype";
    return problem(
      path,
      "json",
      `is a ${kind}, not a plain object: JSON would store ${typeof (object as { toJSON?: unknown }).toJSON === "function" ? "what its toJSON returns" : "only its own fields"} (pass plain data)`,
    );
  }
  if (typeof (object as { toJSON?: unknown }).toJSON === "function") {
    return problem(path, "json", "has a toJSON method: JSON would store what it returns, not the object that was checked (pass plain data)");
  }
  ancestors.push(object);
  for (const key of Object.keys(object)) {
    const item = (object as Record<string, unknown>)[key];
    if (item === undefined) continue;
    const found = check(item, join(path, key), ancestors);
    if (found) return found;
  }
  ancestors.pop();
  return undefined;
}
