// The queued event a due timer becomes, and how the flow turns it back into the event its handlers receive.
import type { MachineDefinition, TimerData } from "./definition.js";
import { timerIdIn } from "./timers/member.js";
import type { DueTimer } from "./timers/types.js";

type AnyEvent = { readonly type: string; readonly [field: string]: unknown };

/*
 * A timer's member names its flow, the state entry that armed it and its id relative to that
 * entry's state — not the state, the whole id or the ms, to stay short (timers/member.ts). The
 * process that claims it cannot tell the state: the flow's hash may not even show the entry yet
 * (the timer is armed before the commit that enters the state, and can come due first). So the
 * queued event carries what the member has, and the flow resolves it when it applies the event,
 * holding the lock, in order: if the flow is still in that entry, its state is the timer's state.
 */

/** The event a due timer is queued as, and the event id that deduplicates its deliveries (a lease that ran out delivers twice). */
export function queuedTimerEvent(timer: DueTimer): { json: string; eventId: string } {
  if (timer.kind === "deadline") return { json: JSON.stringify({ type: "fsm.deadline" }), eventId: `deadline:${timer.flowId}` };
  return { json: JSON.stringify({ type: "fsm.timer", timer: timer.timer, entry: timer.entry }), eventId: `timer:${timer.timer}:${timer.entry}` };
}

/**
 * The timer a queued `fsm.timer` event stands for in the flow's current state entry, and the
 * event as handlers receive it (`TimerEvent`: whole id, state, ms); undefined when it has no effect
 * (its state entry is over, or the state has no such timer).
 */
export function resolveTimerEvent(
  definition: MachineDefinition,
  flow: { readonly state: string; readonly entry: string },
  event: AnyEvent,
): { timer: TimerData; event: AnyEvent } | undefined {
  if (typeof event.timer !== "string" || event.entry !== flow.entry) return undefined;
  const id = timerIdIn(event.timer, flow.state);
  const timer = definition.states[flow.state]?.timers.find((t) => t.id === id);
  if (!timer) return undefined;
  return { timer, event: { type: "fsm.timer", timer: id, state: flow.state, ms: timer.ms, entry: flow.entry } };
}

/** The `fsm.deadline` event as handlers receive it (`DeadlineEvent`), its ms from the definition. */
export function resolveDeadlineEvent(deadline: { readonly ms: number }): AnyEvent {
  return { type: "fsm.deadline", ms: deadline.ms };
}
