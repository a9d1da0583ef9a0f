// Syntax error messages in the words of the language ("expected '->' or '/' after 'Digit', found '{'"), not parser internals.
import { EOF, tokenLabel, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";

/** How a token is shown to the user: punctuation and keywords quoted, literals with their kind and text. */
export function describeToken(token: IToken | undefined): string {
  if (token === undefined || token.tokenType === EOF) return "end of file";
  const label = tokenLabel(token.tokenType);
  if (label.startsWith("'")) return label;
  const image = token.image.length > 30 ? `${token.image.slice(0, 30)}…` : token.image;
  return `${label} '${image}'`;
}

/** "a, b or c" from the labels of the expected token types, each listed once. */
export function describeExpected(types: readonly TokenType[]): string {
  const labels = [...new Set(types.map((type) => tokenLabel(type)))];
  if (labels.length <= 1) return labels[0] ?? "nothing";
  return `${labels.slice(0, -1).join(", ")} or ${labels[labels.length - 1]}`;
}

/** What a rule's closing brace may instead be preceded by, so "expected '}'" also says what else was possible. */
const bodyMembers: Record<string, string> = {
  machine: "a machine member ('version', 'context', 'event', 'state', 'on', 'deadline', 'migrate') or '}'",
  migration: "a state mapping ('Old -> New') or '}'",
  state: "a state member ('entry', 'exit', 'on', 'after') or '}'",
  fieldBlock: "a field ('name: type') or '}'",
};

/** Rules whose alternatives read better as one phrase than as a list of tokens. */
const alternativesByRule: Record<string, string> = {
  machine: "a machine member ('version', 'context', 'event', 'state', 'on', 'deadline', 'migrate')",
  state: "a state member ('entry', 'exit', 'on', 'after')",
  type: "a type ('string', 'number', 'int', 'boolean' or a string literal union)",
  literal: "a value (string, number, 'true', 'false' or '[')",
  unary: "a guard name, '!' or '('",
  duration: "a duration such as 30s or 1m30s",
};

/**
 * Stands where " after '<previous token>'" belongs. Chevrotain's notion of the previous token can already be past the
 * error after recovery, so the caller, who has the token stream, fills it in with `fillAfter`.
 */
export const afterMarker = "\u0001";

export function fillAfter(message: string, previous: IToken | undefined): string {
  const image = previous?.image ?? "";
  const text = image === "" ? "" : ` after '${image.length > 30 ? `${image.slice(0, 30)}…` : image}'`;
  return message.replace(afterMarker, text);
}

export const syntaxErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    const wanted = tokenLabel(expected) === "'}'" ? (bodyMembers[ruleName] ?? "'}'") : tokenLabel(expected);
    return `expected ${wanted}${afterMarker}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected 'machine', found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const wanted =
      alternativesByRule[ruleName] ??
      describeExpected(expectedPathsPerAlt.flatMap((paths) => paths.map((path) => path[0]).filter((type): type is TokenType => type !== undefined)));
    return `expected ${wanted}${afterMarker}, found ${describeToken(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const wanted =
      ruleName === "actions"
        ? "an action name"
        : describeExpected(expectedIterationPaths.map((path) => path[0]).filter((type): type is TokenType => type !== undefined));
    return `expected ${wanted}${afterMarker}, found ${describeToken(actual[0])}`;
  },
};
