// Generates synthetic call-flow specs of any size that check clean, for the compile benchmark and large-input tests.

/**
 * A spec with one machine of `states` non-final states (plus two final ones), about ten clauses per state:
 * guarded events with `[else]`, internal transitions, a self-transition, a timer, a machine-level `on` and
 * a deadline. Every state is reachable (the `Next` chain) and can reach a final state, every event is
 * handled, and every state has a timer, so the spec checks with zero diagnostics.
 */
export function syntheticSpec(states: number): string {
  if (!Number.isInteger(states) || states < 1) throw new RangeError(`states must be a positive integer, got ${states}`);
  const name = (i: number) => (i >= states ? "Done" : `S${i}`);
  const lines: string[] = [
    `/// A synthetic call flow of ${states} states for benchmarks.`,
    `machine Synthetic${states} {`,
    `  version 1`,
    ``,
    `  context {`,
    `    caller: string`,
    `    attempts: int = 0`,
    `    digits: string = ""`,
    `    agent: string?`,
    `  }`,
    ``,
    `  event Next`,
    `  event Skip { reason: string? }`,
    `  event Back`,
    `  event Digit { digit: "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "*" | "#" }`,
    `  event Fail { cause: string }`,
    `  event Hangup { cause: string? }`,
    ``,
    `  deadline 2h -> Failed / logTimeout`,
    `  on Hangup -> Done / recordHangup`,
    ``,
  ];
  for (let i = 0; i < states; i++) {
    lines.push(
      `  /// Step ${i} of the flow.`,
      `  ${i === 0 ? "initial " : ""}state ${name(i)} {`,
      `    entry enterStep, startPrompt`,
      `    exit leaveStep`,
      `    on Next [isReady] -> ${name(i + 1)} / countStep`,
      `    on Next [else] -> ${name(i)} / countAttempt`,
      `    on Skip [canSkip && !isLocked] -> ${name(i + 2)} / noteSkip`,
      `    on Skip [else] / playRetry`,
      `    on Back [hasHistory] -> ${name(Math.max(0, i - 1))} / popHistory`,
      `    on Back [else] / playRetry`,
      `    on Digit [isMenuChoice || (isRetry && !tooManyAttempts)] -> ${name((i * 7 + 3) % states)} / storeDigit`,
      `    on Digit / countAttempt, playRetry`,
      `    on Fail -> Failed / cleanup`,
      `    after 30s -> ${name(i + 1)} / noteTimeout`,
      `  }`,
      ``,
    );
  }
  lines.push(`  final state Done { entry releaseResources }`, `  final state Failed { entry releaseResources, logFailure }`, `}`, ``);
  return lines.join("\n");
}
