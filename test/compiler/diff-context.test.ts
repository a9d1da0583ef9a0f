// Specification of the diff's context rules: a field the new version requires though the old one did not (FSM611), a field's type narrowed (FSM612).
import { test } from "uvu";

import { assertDiff, assertNoReports, baseSpec, edit, version } from "../support/diffed-specs.js";

test("FSM611: a context field added without a default and not optional is an error at the new field", () => {
  const next = version(2, ["note: string? }", "note: string?, queue: string }"]);
  assertDiff(baseSpec, next, {
    code: "FSM611",
    severity: "error",
    in: "new",
    at: "queue",
    mentions: ["context field 'queue' is new in version 2, with no default and not optional", "refused", "no flow of version 1 can move to version 2"],
  });
});

test("FSM611: an optional context field made required is an error at the field", () => {
  const next = version(2, ["note: string?", "note: string"]);
  assertDiff(baseSpec, next, {
    code: "FSM611",
    severity: "error",
    in: "new",
    at: "note",
    mentions: ["context field 'note' is required in version 2 but was optional in version 1"],
  });
});

test("FSM611: a context field that loses its default is an error at the field", () => {
  const next = version(2, ["attempts: int = 0", "attempts: int"]);
  assertDiff(baseSpec, next, {
    code: "FSM611",
    severity: "error",
    in: "new",
    at: "attempts",
    mentions: ["context field 'attempts' is required in version 2 but had a default in version 1"],
  });
});

test("FSM612: a context field's type changed is a warning at the new type", () => {
  const next = version(2, ["agentId: string", "agentId: int"]);
  assertDiff(baseSpec, next, {
    code: "FSM612",
    severity: "warning",
    in: "new",
    at: "int",
    mentions: ["context field 'agentId' changed type from string to int in version 2", "may not fit"],
  });
});

test("FSM612: an enum value removed from a context field is a warning naming the value", () => {
  const old = edit(baseSpec, ["note: string? }", 'note: string?, mode: "live" | "test" = "live" }']);
  const next = edit(old, ["version 1", "version 2"], ['mode: "live" | "test"', 'mode: "live"']);
  assertDiff(old, next, { code: "FSM612", severity: "warning", in: "new", at: '"live"', mentions: ["context field 'mode' no longer accepts \"test\""] });
});

test("widening the context reports nothing: int to number, a new defaulted or optional field, a field made optional", () => {
  const next = version(2, [
    "context { agentId: string, attempts: int = 0, note: string? }",
    "context { agentId: string?, attempts: number = 0, note: string?, tries: int = 1, queue: string? }",
  ]);
  assertNoReports(baseSpec, next);
});

test.run();
