// Context fields the new version requires though the old one did not (FSM611), and fields whose type narrowed (FSM612).
import type { Diagnostic } from "../../grammar/ast.js";
import { narrowing } from "./field-narrowing.js";
import { report, versions, type MachinePair } from "./machine-pair.js";
import { contextFieldPlace, machinePlace } from "./places.js";

/*
 * FSM611 is an error: every start sent as the old version's callers send it lacks the field and is
 * refused, and no flow of the old version can be moved (`migrate from`) to a version whose types
 * promise a value it never had; a default or `?` always avoids both. FSM612 is a warning: only a value outside the new
 * type is affected (a flow holding one, or a start sending one), which may be none. Widening a type
 * (`int` → `number`, an enum gaining values) is not reported.
 */
export function diffContextFields(pair: MachinePair): Diagnostic[] {
  const v = versions(pair);
  const before = pair.before.definition.startContext;
  const after = pair.after.definition.startContext;
  const near = machinePlace(pair.after.ast);
  const diagnostics: Diagnostic[] = [];
  for (const [field, schema] of after.properties) {
    const required = after.required.has(field);
    if (!before.properties.has(field)) {
      if (required) {
        diagnostics.push(
          report(
            "FSM611",
            [contextFieldPlace(pair.after.ast, field)],
            near,
            `context field '${field}' is new in ${v.after}, with no default and not optional: a start sent as the callers of ${v.before} send it lacks it and is refused, and no flow of ${v.before} can move to ${v.after} without it`,
          ),
        );
      }
      continue;
    }
    const narrowed = narrowing(before.properties.get(field), schema);
    if (narrowed) {
      const change =
        narrowed.kind === "values-removed"
          ? `no longer accepts ${narrowed.values.map((value) => JSON.stringify(value)).join(", ")}`
          : `changed type from ${narrowed.from} to ${narrowed.to}`;
      diagnostics.push(
        report(
          "FSM612",
          [contextFieldPlace(pair.after.ast, field, "type")],
          near,
          `context field '${field}' ${change} in ${v.after}: a value a flow of ${v.before} holds, or a start sent as ${v.before} allowed, may not fit it`,
        ),
      );
    }
    if (required && !before.required.has(field)) {
      const was = pair.before.definition.contextDefaults.has(field) ? `had a default in ${v.before}` : `was optional in ${v.before}`;
      diagnostics.push(
        report(
          "FSM611",
          [contextFieldPlace(pair.after.ast, field)],
          near,
          `context field '${field}' is required in ${v.after} but ${was}: a start sent without it, as ${v.before} allowed, is refused`,
        ),
      );
    }
  }
  return diagnostics;
}
