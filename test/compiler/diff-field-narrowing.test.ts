// Specification of field narrowing: whether every value a field's old schema accepts is accepted by its new one.
import { test } from "uvu";
import * as assert from "uvu/assert";

import { narrowing, typeText } from "../../compiler/diff/field-narrowing.js";

const string = { type: "string" };
const number = { type: "number" };
const int = { type: "integer" };
const boolean = { type: "boolean" };
const choice = (...values: string[]) => ({ type: "string", enum: values });
const list = (items: object) => ({ type: "array", items });

test("the same type, or a wider one, is no narrowing", () => {
  for (const [before, after] of [
    [string, string],
    [int, number],
    [choice("a"), choice("a", "b")],
    [choice("b", "a"), choice("a", "b")],
    [choice("a"), string],
    [list(int), list(number)],
    [list(choice("a")), list(choice("a", "b"))],
  ] as const) {
    assert.is(narrowing(before, after), undefined, `${typeText(before)} → ${typeText(after)}`);
  }
});

test("enum values removed are named, in a field or in an array's items", () => {
  assert.equal(narrowing(choice("a", "b", "c"), choice("b")), { kind: "values-removed", values: ["a", "c"] });
  assert.equal(narrowing(list(choice("a", "b")), list(choice("a"))), { kind: "values-removed", values: ["b"] });
});

test("any other change is a type change, named as the spec writes the types", () => {
  assert.equal(narrowing(number, int), { kind: "type-changed", from: "number", to: "int" });
  assert.equal(narrowing(string, choice("a", "b")), { kind: "type-changed", from: "string", to: '"a" | "b"' });
  assert.equal(narrowing(boolean, string), { kind: "type-changed", from: "boolean", to: "string" });
  assert.equal(narrowing(list(string), list(int)), { kind: "type-changed", from: "string[]", to: "int[]" });
  assert.equal(narrowing(string, list(string)), { kind: "type-changed", from: "string", to: "string[]" });
  assert.equal(narrowing(list(choice("a", "b")), string), { kind: "type-changed", from: '("a" | "b")[]', to: "string" });
});

test("a schema with keywords the emitter does not write is compared as a whole", () => {
  assert.is(narrowing({ type: "string", maxLength: 3 }, { type: "string", maxLength: 3 }), undefined);
  assert.equal(narrowing({ type: "string", maxLength: 3 }, { type: "string", maxLength: 2 }), {
    kind: "type-changed",
    from: '{"type":"string","maxLength":3}',
    to: '{"type":"string","maxLength":2}',
  });
});

test.run();
