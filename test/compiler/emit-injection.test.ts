// Code generation is injection-proof: no text from a spec (docs, strings, file name) can become code in the output.
import { ts } from "ts-morph";
import { test } from "uvu";
import * as assert from "uvu/assert";

import { compile } from "../../compiler/compile.js";

/** Strings that would run `pwned()` if they escaped their literal or comment. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a spec string that looks like a template is one of the hostile inputs
const hostile = [`"); pwned(); ("`, `\\"; pwned(); //`, "`${pwned()}`", `*/ pwned(); /*`, `'); pwned(); //\u0007\u0000\n\r\u2028end`];
const hostileDoc = `doc */ pwned(); /* \u0007 \`\${pwned()}\` "quoted" \\ backslash \u2028 pwned();`;

const spec = `/// ${hostileDoc}
machine Hostile {
  context {
    /// ${hostileDoc}
    note: string = ${JSON.stringify(hostile[0])}
    mode: ${hostile.map((h) => JSON.stringify(h)).join(" | ")} = ${JSON.stringify(hostile[3])}
    tags: string[] = ${JSON.stringify(hostile)}
  }
  /// ${hostileDoc}
  event Say { word: ${hostile.map((h) => JSON.stringify(h)).join(" | ")} }
  /// ${hostileDoc}
  initial state Start { on Say -> End / speak }
  /// ${hostileDoc}
  final state End
}
`;

function moduleText(path = "hostile.fsm"): string {
  const result = compile([{ path, text: spec }]);
  assert.equal(
    result.diagnostics.filter((d) => d.severity === "error"),
    [],
    "the hostile spec is a valid spec",
  );
  const module = result.files.find((f) => f.path === "hostile.ts");
  assert.ok(module, "hostile.ts is emitted");
  return module.text;
}

function parse(text: string): ts.SourceFile {
  return ts.createSourceFile("hostile.ts", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

function nodesOf(file: ts.SourceFile): ts.Node[] {
  const all: ts.Node[] = [];
  const visit = (node: ts.Node) => {
    all.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return all;
}

test("the module generated from hostile docs and strings parses without syntax errors", () => {
  const file = parse(moduleText()) as ts.SourceFile & { parseDiagnostics?: readonly ts.Diagnostic[] };
  assert.equal(
    (file.parseDiagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    [],
  );
});

test("no identifier, call or template literal from a spec's text reaches the code", () => {
  const nodes = nodesOf(parse(moduleText()));
  assert.equal(nodes.filter((n) => ts.isIdentifier(n) && n.text === "pwned").length, 0, "no `pwned` identifier");
  assert.equal(nodes.filter((n) => ts.isCallExpression(n)).length, 0, "a generated module makes no calls");
  assert.equal(nodes.filter((n) => ts.isTemplateExpression(n) || ts.isNoSubstitutionTemplateLiteral(n)).length, 0, "no template literals");
});

test("hostile strings survive as exactly the same string values (escaped, not altered)", () => {
  const literals = new Set(
    nodesOf(parse(moduleText()))
      .filter(ts.isStringLiteral)
      .map((n) => n.text),
  );
  for (const value of hostile) assert.ok(literals.has(value), `string ${JSON.stringify(value)} is emitted as a literal with the same value`);
});

test("doc comments keep the spec's words but can never close the generated comment", () => {
  const text = moduleText();
  const comments = text.match(/\/\*\*[\s\S]*?\*\//g) ?? [];
  const withDoc = comments.filter((c) => c.includes("backslash"));
  assert.ok(withDoc.length >= 4, "machine, field, event and state docs are carried into TSDoc");
  for (const comment of withDoc) {
    assert.ok(comment.includes("*\\/ pwned(); /*"), "the `*/` inside the doc is neutralised");
    assert.not.ok(/[\u0000-\u0008\u000b-\u001f\u2028]/.test(comment), "control characters and line separators are removed");
  }
});

test("a hostile spec file name cannot break out of the header comment", () => {
  const nodes = nodesOf(parse(moduleText("dir/evil\n pwned(); */ pwned() /*\u2028pwned();.fsm")));
  assert.equal(nodes.filter((n) => ts.isIdentifier(n) && n.text === "pwned").length, 0);
});

test.run();
