// Baseline "xstate": the same machine as XState v5 actors in memory — no Redis, no distribution.
import { assign, createActor, setup, type ActorRefFrom } from "xstate";
import { benchCallStartContext, type BenchCallContext, type BenchCallEvent } from "../support/bench-call.js";
import { initialBenchCallRecord } from "../support/bench-call-transition.js";
import type { CommittedListener, FlowDriver, FlowDriverFactory } from "../support/flow-driver.js";

const benchCallMachine = setup({
  types: { context: {} as BenchCallContext, events: {} as BenchCallEvent, input: {} as BenchCallContext },
  guards: { withinHoldLimit: ({ context }) => context.holds < context.maxHolds },
  actions: { countHold: assign({ holds: ({ context }) => context.holds + 1 }) },
}).createMachine({
  id: "BenchCall",
  initial: "Ringing",
  context: ({ input }) => input,
  states: {
    Ringing: { on: { ANSWER: { target: "Answered" } } },
    Answered: { on: { HOLD: { guard: "withinHoldLimit", target: "Held", actions: "countHold" }, HANGUP: { target: "Ended" } } },
    Held: { on: { RESUME: { target: "Answered" }, HANGUP: { target: "Ended" } } },
    Ended: { type: "final" },
  },
});

export const createDriver: FlowDriverFactory = async () => {
  let actors = new Map<string, ActorRefFrom<typeof benchCallMachine>>();
  let committed: CommittedListener | undefined;
  const driver: FlowDriver = {
    async prepare(_roundId, flowIds, onCommitted) {
      committed = onCommitted;
      actors = new Map(
        flowIds.map((flowId) => [flowId, createActor(benchCallMachine, { input: initialBenchCallRecord(benchCallStartContext(flowId)).context }).start()]),
      );
    },
    async send(flowId, seq, event) {
      const actor = actors.get(flowId);
      if (!actor) throw new Error(`unknown flow ${flowId}`);
      actor.send(event);
      committed?.(flowId, seq);
    },
    async finishRound() {
      for (const [flowId, actor] of actors) {
        const snapshot = actor.getSnapshot();
        if (snapshot.value !== "Ended" || snapshot.context.holds !== 9) throw new Error(`xstate: ${flowId} ended in ${String(snapshot.value)}`);
        actor.stop();
      }
      actors = new Map();
      committed = undefined;
    },
    async close() {},
  };
  return driver;
};
