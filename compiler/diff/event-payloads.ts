// Event payloads the new version would refuse though the old one's senders send them: refused every time (FSM606) or for some values (FSM607).
import type { Diagnostic } from "../../grammar/ast.js";
import type { ObjectSchemaView } from "./definition-view.js";
import { narrowing } from "./field-narrowing.js";
import { report, versions, type MachinePair } from "./machine-pair.js";
import { eventFieldPlace, eventPlace, machinePlace } from "./places.js";

/*
 * Senders are deployed on their own schedule and do not know which version a flow runs. FSM606 is an
 * error because every event sent as the old version's senders send it is refused (a field they do not
 * send is now required, or a field they must send is now unknown), which no deploy order avoids and
 * which a compatible spec always can: an optional field, or a new event. FSM607 is a warning: only
 * events carrying a value the narrower type refuses are affected, which may be none.
 */
export function diffEventPayloads(pair: MachinePair): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const [event, after] of pair.after.definition.events) {
    const before = pair.before.definition.events.get(event);
    if (before) diagnostics.push(...diffPayload(pair, event, before, after));
  }
  return diagnostics;
}

function diffPayload(pair: MachinePair, event: string, before: ObjectSchemaView, after: ObjectSchemaView): Diagnostic[] {
  const v = versions(pair);
  const near = eventPlace(pair.after.ast, event) ?? machinePlace(pair.after.ast);
  const inAfter = (field: string, part: "name" | "type" = "name") => [eventFieldPlace(pair.after.ast, event, field, part)];
  const diagnostics: Diagnostic[] = [];
  for (const [field, schema] of after.properties) {
    if (!before.properties.has(field)) {
      if (after.required.has(field)) {
        diagnostics.push(
          report(
            "FSM606",
            inAfter(field),
            near,
            `event '${event}' requires a new field '${field}' in ${v.after}: a '${event}' sent without it, as the senders of ${v.before} send it, is refused`,
          ),
        );
      }
      continue;
    }
    const narrowed = narrowing(before.properties.get(field), schema);
    if (narrowed?.kind === "values-removed") {
      const values = narrowed.values.map((value) => JSON.stringify(value)).join(", ");
      diagnostics.push(
        report(
          "FSM607",
          inAfter(field, "type"),
          near,
          `field '${field}' of event '${event}' no longer accepts ${values} in ${v.after}: a '${event}' with ${narrowed.values.length === 1 ? "it" : "one of them"}, which ${v.before} accepted, is refused`,
        ),
      );
    } else if (narrowed) {
      diagnostics.push(
        report(
          "FSM607",
          inAfter(field, "type"),
          near,
          `field '${field}' of event '${event}' changed type from ${narrowed.from} to ${narrowed.to} in ${v.after}: a '${event}' that ${v.before} accepted may be refused`,
        ),
      );
    }
    if (after.required.has(field) && !before.required.has(field)) {
      diagnostics.push(
        report(
          "FSM606",
          inAfter(field),
          near,
          `field '${field}' of event '${event}' is required in ${v.after} but was optional in ${v.before}: a '${event}' sent without it, as ${v.before} allowed, is refused`,
        ),
      );
    }
  }
  if (!after.closed) return diagnostics;
  for (const field of before.properties.keys()) {
    if (after.properties.has(field)) continue;
    const places = [eventFieldPlace(pair.before.ast, event, field)];
    if (before.required.has(field)) {
      diagnostics.push(
        report(
          "FSM606",
          places,
          near,
          `field '${field}' of event '${event}' is gone in ${v.after}, which refuses unknown fields: every '${event}' sent with it, as ${v.before} requires, is refused`,
        ),
      );
    } else {
      diagnostics.push(
        report(
          "FSM607",
          places,
          near,
          `field '${field}' of event '${event}' is gone in ${v.after}, which refuses unknown fields: a '${event}' sent with it, as ${v.before} allowed, is refused`,
        ),
      );
    }
  }
  return diagnostics;
}
