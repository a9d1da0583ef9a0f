// The tokens of the `.fsm` language and the Chevrotain lexer built from them.
import { createToken, Lexer, type IToken, type TokenType } from "chevrotain";

/** Every name position accepts this category, so a keyword used as a name parses and the checks can report FSM113. */
export const Name = createToken({ name: "Name", pattern: Lexer.NA, label: "a name" });

/** Token group for `///` doc comments: kept out of the parser's token stream, attached to declarations as the AST is built. */
export const docGroup = "docs";
/** Token group for lexically broken input (unterminated strings and comments): reported as FSM001, never parsed. */
export const errorGroup = "errors";

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\r\n\f\v\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const DocComment = createToken({ name: "DocComment", pattern: /\/\/\/(?!\/)[^\n\r]*/, group: docGroup });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[\s\S]*/,
  group: errorGroup,
  line_breaks: true,
});

export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"[^"\\\u0000-\u001F]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\u0000-\u001F]*)*"/,
  label: "string",
});
/** A string that is not valid JSON: unterminated on its line, a bad escape or a raw control character. */
export const BadString = createToken({
  name: "BadString",
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r]?)*"?/,
  group: errorGroup,
});

/** Digits run straight into letters (`1m30s`, `5x`, `30s1m`, `1.5s`): one token, validated as a duration by the parser (FSM105). */
export const Duration = createToken({
  name: "Duration",
  pattern: /\d+(?:\.\d+)?[A-Za-z_][A-Za-z0-9_]*/,
  label: "duration",
});
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z0-9_.])/,
  label: "number",
  start_chars_hint: ["-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
});

function punctuation(name: string, pattern: string): TokenType {
  return createToken({ name, pattern, label: `'${pattern}'` });
}

export const Arrow = punctuation("Arrow", "->");
export const AndAnd = punctuation("AndAnd", "&&");
export const OrOr = punctuation("OrOr", "||");
export const Pipe = punctuation("Pipe", "|");
export const Bang = punctuation("Bang", "!");
export const Slash = punctuation("Slash", "/");
export const LCurly = punctuation("LCurly", "{");
export const RCurly = punctuation("RCurly", "}");
export const LBracket = punctuation("LBracket", "[");
export const RBracket = punctuation("RBracket", "]");
export const LParen = punctuation("LParen", "(");
export const RParen = punctuation("RParen", ")");
export const Colon = punctuation("Colon", ":");
export const Comma = punctuation("Comma", ",");
export const Equals = punctuation("Equals", "=");
export const Question = punctuation("Question", "?");

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: "identifier",
  categories: [Name],
});

function keyword(word: string): TokenType {
  return createToken({ name: `Kw_${word}`, pattern: new RegExp(word), label: `'${word}'`, longer_alt: Identifier, categories: [Name] });
}

export const Machine = keyword("machine");
export const Version = keyword("version");
export const Context = keyword("context");
export const Event = keyword("event");
export const State = keyword("state");
export const Initial = keyword("initial");
export const Final = keyword("final");
export const Entry = keyword("entry");
export const Exit = keyword("exit");
export const On = keyword("on");
export const After = keyword("after");
export const Deadline = keyword("deadline");
export const Migrate = keyword("migrate");
/**
 * Only meaningful right after `migrate`. Like every keyword it is also a `Name`, and it is left out of the reserved
 * words (compiler/checks/reserved-words.ts): `from` is a natural event field of a call (the caller's address).
 */
export const From = keyword("from");
export const Else = keyword("else");
export const True = keyword("true");
export const False = keyword("false");
export const StringType = keyword("string");
export const NumberType = keyword("number");
export const IntType = keyword("int");
export const BooleanType = keyword("boolean");

/** Longest first, so a keyword that is a prefix of another (`int` of `initial`) never wins over it. */
export const keywordTokens: readonly TokenType[] = [
  Machine,
  Version,
  Context,
  Event,
  State,
  Initial,
  Final,
  Entry,
  Exit,
  On,
  After,
  Deadline,
  Migrate,
  From,
  Else,
  True,
  False,
  StringType,
  NumberType,
  IntType,
  BooleanType,
].sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length);

/** Order matters: Chevrotain takes the first pattern that matches. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  DocComment,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  BadString,
  NumberLiteral,
  Duration,
  Arrow,
  AndAnd,
  OrOr,
  Pipe,
  Bang,
  Slash,
  LCurly,
  RCurly,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Colon,
  Comma,
  Equals,
  Question,
  ...keywordTokens,
  Identifier,
  Name,
];

/**
 * Tokens carry offsets only: lines and columns come from a `LineStarts` table when a range is built, which saves four
 * fields on every token of a large file. Chevrotain 11's "onlyOffset" tokens lack the `endOffset` its docs promise (and
 * its parser's node locations read); this override of its token factory (same name, same arguments) adds it in the
 * object literal itself, so every token keeps one compact shape instead of growing a property store afterwards.
 */
class OffsetLexer extends Lexer {
  createOffsetOnlyToken(image: string, startOffset: number, tokenTypeIdx: number, tokenType: TokenType): IToken {
    return { image, startOffset, endOffset: startOffset + image.length - 1, tokenTypeIdx, tokenType };
  }
}

/** Built once per process: Chevrotain validates and optimizes the token set here. */
export const fsmLexer: Lexer = new OffsetLexer(allTokens, { ensureOptimizations: true, positionTracking: "onlyOffset" });

// The override above relies on a Chevrotain internal: fail at load, not with NaN ranges, if a new version drops it.
if (fsmLexer.tokenize("x").tokens[0]?.endOffset !== 0) throw new Error("fsmLexer: tokens lack endOffset (Chevrotain's token factory changed)");
