// Moves a flow of an older machine version to the newer one, as the newer definition's `migrate from N` block says.
import type { MachineDefinition } from "./definition.js";
import type { PayloadValidator } from "./validation.js";

/** Where a migrated flow lands: its state in the new version and its carried-over context. */
export interface MigrationPlan {
  from: number;
  fromState: string;
  state: string;
  ctx: Record<string, unknown>;
}

/**
 * The migration of a flow of `version`, in `state` with context `ctx`, to `definition`; undefined when
 * the definition has no `migrate from <version>` block, the state maps to nothing (such flows finish on
 * their old version), or the carried context would not be a valid context of the new version. An old
 * state the block does not name maps to the new state of the same name. Context fields are carried
 * by name: fields the new version does not declare are dropped, new fields take their defaults.
 */
export function planMigration(
  definition: MachineDefinition,
  validator: PayloadValidator,
  version: number,
  state: string,
  ctx: Readonly<Record<string, unknown>>,
): MigrationPlan | undefined {
  const block = definition.migrations?.find((m) => m.from === version);
  if (!block) return undefined;
  const target = Object.hasOwn(block.states, state) ? block.states[state] : Object.hasOwn(definition.states, state) ? state : undefined;
  if (target === undefined || !Object.hasOwn(definition.states, target)) return undefined;
  const declared = (definition.schemas.startContext as { properties?: object }).properties ?? {};
  const carried: Record<string, unknown> = { ...definition.contextDefaults };
  for (const field of Object.keys(declared)) if (Object.hasOwn(ctx, field)) carried[field] = ctx[field];
  const required = (definition.schemas.startContext as { required?: readonly string[] }).required ?? [];
  if (required.some((field) => !Object.hasOwn(carried, field))) return undefined;
  if (validator.updateProblem(carried)) return undefined;
  return { from: version, fromState: state, state: target, ctx: carried };
}
