// What a number literal's text denotes exactly, before JavaScript rounds it to a double: whether it is whole, whether it is zero.

/** The parts of a literal as the lexer accepts it: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`. */
function parts(raw: string): { digits: string; point: number } {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(raw);
  const whole = match?.[1] ?? "";
  const fraction = match?.[2] ?? "";
  // An exponent too long for a double is ±Infinity, which the comparisons below still order correctly.
  const exponent = Number(match?.[3] ?? "0");
  return { digits: whole + fraction, point: whole.length + exponent };
}

/** Whether the literal is a whole number as written: `1.0` and `1e3` are, `1.5` and `1e-400` are not (though `1e-400` rounds to 0). */
export function writtenAsWhole(raw: string): boolean {
  const { digits, point } = parts(raw);
  // Whole exactly when every digit after the decimal point (wherever the exponent moves it) is 0.
  return !/[1-9]/.test(digits.slice(Math.max(0, point)));
}

/** Whether the literal is zero as written (`0`, `0.0`, `-0e5`), as opposed to rounding to zero. */
export function writtenAsZero(raw: string): boolean {
  return !/[1-9]/.test(parts(raw).digits);
}
