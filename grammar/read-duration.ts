// Reads a duration as written (`250ms`, `1m30s`, `7d`) into milliseconds, or says precisely what is wrong with it (FSM105).

const unitMs: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
const units = ["d", "h", "m", "s", "ms"];
const validExamples = "write a positive whole number of d, h, m, s or ms, largest unit first, e.g. 30s, 1m30s or 250ms";

export type DurationReading = { ok: true; ms: number } | { ok: false; zero: boolean; problem: string };

/** The value of `text` in milliseconds, or the reason it is not a valid duration. */
export function readDuration(text: string): DurationReading {
  if (/^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) {
    return { ok: false, zero: false, problem: `duration '${text}' has no unit: ${validExamples}` };
  }
  if (/^\d+\.\d+/.test(text)) {
    return { ok: false, zero: false, problem: `duration '${text}' is not a whole number: ${validExamples}` };
  }
  const part = /(\d+)([A-Za-z_]+)/y;
  let ms = 0;
  let previousUnit: string | undefined;
  let offset = 0;
  while (offset < text.length) {
    part.lastIndex = offset;
    const match = part.exec(text);
    if (match === null) {
      return { ok: false, zero: false, problem: `duration '${text}' is malformed at '${text.slice(offset)}': ${validExamples}` };
    }
    const [, digits = "", unit = ""] = match;
    const scale = unitMs[unit];
    if (scale === undefined) {
      return { ok: false, zero: false, problem: `duration '${text}' has an unknown unit '${unit}' (units are d, h, m, s, ms): ${validExamples}` };
    }
    if (previousUnit !== undefined) {
      if (previousUnit === unit) {
        return { ok: false, zero: false, problem: `duration '${text}' repeats the unit '${unit}': ${validExamples}` };
      }
      if (units.indexOf(unit) < units.indexOf(previousUnit)) {
        return { ok: false, zero: false, problem: `duration '${text}' has its units out of order ('${unit}' after '${previousUnit}'): ${validExamples}` };
      }
    }
    ms += Number(digits) * scale;
    previousUnit = unit;
    offset += match[0].length;
  }
  if (!Number.isSafeInteger(ms)) {
    return { ok: false, zero: false, problem: `duration '${text}' is too large to represent in milliseconds` };
  }
  if (ms === 0) return { ok: false, zero: true, problem: `duration '${text}' is zero: a timer or deadline needs a positive duration, e.g. 30s` };
  return { ok: true, ms };
}
