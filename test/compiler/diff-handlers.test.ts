// Specification of the diff's handler rule: a guard or action the old version uses and the new one does not (FSM610).
import { test } from "uvu";

import { assertDiff, assertNoReports, baseSpec, version } from "../support/diffed-specs.js";

test("FSM610: an action removed is a warning at its first use in the old spec", () => {
  const next = version(2, ["on Answered -> Talking / bridgeCall", "on Answered -> Talking"]);
  assertDiff(baseSpec, next, {
    code: "FSM610",
    severity: "warning",
    in: "old",
    at: "bridgeCall",
    mentions: ["action 'bridgeCall' of version 1 is not used in version 2 (removed or renamed)", "keep it in the handlers"],
  });
});

test("FSM610: a guard renamed is a warning at the old name", () => {
  const next = version(2, ["[canRetry]", "[mayRetry]"]);
  assertDiff(baseSpec, next, { code: "FSM610", severity: "warning", in: "old", at: "canRetry", mentions: ["guard 'canRetry'"] });
});

test("FSM610: an entry action renamed is a warning at the old name", () => {
  const next = version(2, ["entry ringAgent", "entry dialAgent"]);
  assertDiff(baseSpec, next, { code: "FSM610", severity: "warning", in: "old", at: "ringAgent", mentions: ["action 'ringAgent'"] });
});

test("a handler used elsewhere in the new version reports nothing", () => {
  const next = version(2, ["on Answered -> Talking / bridgeCall", "on Answered -> Talking"], ["entry startTransfer", "entry startTransfer, bridgeCall"]);
  assertNoReports(baseSpec, next);
});

test.run();
