// Makes `///` doc text safe to place inside a `/** … */` comment: it can never end the comment early.

/**
 * Strips control characters (keeping line breaks) and breaks every `*\/` so a doc comment
 * from a spec cannot close the generated comment and turn the rest of its text into code.
 */
export function safeDocText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[\u2028\u2029]/g, "\n")
    .replace(/\t/g, " ")
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, "")
    .replace(/\*\//g, "*\\/")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trim();
}

/** Joins non-empty doc paragraphs into one TSDoc description, or undefined when there is none. */
export function docDescription(...paragraphs: (string | undefined)[]): string | undefined {
  const parts = paragraphs.map((p) => (p === undefined ? "" : safeDocText(p))).filter((p) => p !== "");
  return parts.length > 0 ? parts.join("\n\n") : undefined;
}

/** A `/** … *\/` block for `description` (already made safe with `safeDocText`), one ` * ` per line. */
export function jsDocBlock(description: string): string {
  const lines = description.split("\n");
  if (lines.length === 1) return `/** ${lines[0]} */`;
  return ["/**", ...lines.map((line) => (line ? ` * ${line}` : " *")), " */"].join("\n");
}
