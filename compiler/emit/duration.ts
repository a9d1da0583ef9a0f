// The canonical text of a duration, used in timer ids (`Greeting/1m30s`) and diagram labels.

const units: readonly [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000],
  ["ms", 1],
];

/** Writes `ms` largest unit first with no zero parts: 90000 → "1m30s", 250 → "250ms". */
export function normaliseDuration(ms: number): string {
  let rest = ms;
  let text = "";
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text || "0ms";
}
