// The handler types of a generated module: each guard and action typed with the events that can reach it.
import type { HandlerReach, Trigger } from "./handler-events.js";
import type { MachineNames } from "../module-names.js";
import { assertIdentifier } from "./names.js";

/** The TypeScript type of the event one trigger delivers. */
export function triggerType(trigger: Trigger, names: MachineNames): string {
  switch (trigger.kind) {
    case "start":
      return "StartEvent";
    case "deadline":
      return "DeadlineEvent";
    case "timer":
      return `TimerEvent<${JSON.stringify(trigger.state)}>`;
    case "event":
      return names.events.get(trigger.event) ?? "never";
  }
}

/**
 * The event type of a handler: the union of its triggers' types. Timer triggers of several states
 * merge into one `TimerEvent<"A" | "B">` (the same values as `TimerEvent<"A"> | TimerEvent<"B">`),
 * which keeps a handler shared by thousands of states one short type.
 */
function handlerEventType(triggers: readonly Trigger[], names: MachineNames): string {
  const timerStates = triggers.flatMap((t) => (t.kind === "timer" ? [JSON.stringify(t.state)] : []));
  const members: string[] = [];
  for (const t of triggers) {
    if (t.kind !== "timer") members.push(triggerType(t, names));
    else if (JSON.stringify(t.state) === timerStates[0]) members.push(`TimerEvent<${timerStates.join(" | ")}>`);
  }
  return unionText(members);
}

/** Where a handler is used, for its TSDoc: the first few places, then how many more. */
function usesText(uses: readonly string[]): string {
  const shown = 4;
  return uses.length <= shown ? uses.join("; ") : `${uses.slice(0, shown).join("; ")}; and ${uses.length - shown} more places`;
}

/** A union type, or `never` when it has no members. */
export function unionText(members: readonly string[]): string {
  return members.length === 0 ? "never" : members.join(" | ");
}

/** The `guards` or `actions` member of `<M>Handlers`, one documented property per handler. */
export function handlersLayout(kind: "guards" | "actions", reach: Map<string, HandlerReach>, names: MachineNames): string {
  const alias = kind === "guards" ? names.guard : names.action;
  if (reach.size === 0) return `  readonly ${kind}: {};`;
  const members = [...reach].map(([name, { triggers, uses }]) =>
    [
      `    /** ${kind === "guards" ? "Guard" : "Action"} used in ${usesText(uses)}. */`,
      `    readonly ${assertIdentifier(name, "handler name")}: ${alias}<${handlerEventType(triggers, names)}>;`,
    ].join("\n"),
  );
  return [`  readonly ${kind}: {`, ...members, "  };"].join("\n");
}
