// The machines this process runs: every registered version, its definition stored in Redis, versions run from a stored definition, and the versions it tells the deployment it runs.
import { asRedisError, type Connection } from "./connection.js";
import type { MachineDefinition } from "./definition.js";
import { reservedNameIn } from "./definition-check.js";
import { loadDefinition, storeDefinition, storedVersions } from "./definition-store.js";
import type { RegisteredMachine } from "./drain.js";
import {
  ConfigurationError,
  FlowRuntimeError,
  HandlerMissingError,
  MachineRegistrationError,
  VersionConflictError,
  VersionUnavailableError,
} from "./errors.js";
import type { KeySpace } from "./keys.js";
import type { RuntimeCounters } from "./metrics.js";
import { timerOption, type ErrorContext, type RegisterOptions } from "./options.js";
import { advertiseVersions } from "./runners.js";
import type { CallableHandlers } from "./transition.js";
import { PayloadValidator } from "./validation.js";
import type { MachineStats } from "./prometheus.js";

const noop = () => undefined;

export interface RegistryOptions {
  /** The runtime's handler time limit, which a machine's own overrides. */
  handlerTimeoutMs: number;
  sweepIntervalMs: number;
  watchdogIntervalMs: number;
}

export class MachineRegistry {
  /** Machine name → version → registered machine. */
  private readonly versions = new Map<string, Map<number, RegisteredMachine>>();
  /** Machine name → its newest registered version: new flows start on it, and it drains every flow of the machine. */
  private readonly newest = new Map<string, RegisteredMachine>();
  /** Registered versions whose definition is stored in Redis, and the stores in flight. */
  private readonly storedMachines = new WeakSet<RegisteredMachine>();
  private readonly storing = new Map<RegisteredMachine, Promise<void>>();
  /** `<machine>\0<version>` → an older (or newer) version this process runs from its stored definition, or why not. */
  private readonly pinned = new Map<string, { machine: Promise<RegisteredMachine | string>; until: number }>();
  private readonly toldUnavailable = new Set<string>();
  private advertiser: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly keys: KeySpace,
    private readonly options: RegistryOptions,
    private readonly counters: RuntimeCounters,
    private readonly reportError: (error: unknown, context: ErrorContext) => void,
    /** The Prometheus stats of a machine: one per name, shared by its versions. */
    private readonly statsOf: (definition: MachineDefinition) => MachineStats,
  ) {}

  /**
   * Checks a definition and its handlers (every guard and action it names), and registers them.
   * Several versions of one machine may be registered: new flows of the machine start on the newest,
   * or on the version of the client they are started with; each flow runs on the version it started on.
   */
  add(definition: MachineDefinition, handlers: CallableHandlers, options: RegisterOptions): RegisteredMachine {
    const versions = this.versions.get(definition.name) ?? new Map<number, RegisteredMachine>();
    if (versions.has(definition.version))
      throw new MachineRegistrationError(`machine ${definition.name} version ${definition.version} is already registered in this runtime`);
    const reserved = reservedNameIn(definition);
    if (reserved) throw new ConfigurationError(`machine ${definition.name}: ${reserved}`);
    for (const name of definition.guards) if (typeof handlers.guards?.[name] !== "function") throw new HandlerMissingError(definition.name, "guard", name);
    for (const name of definition.actions) if (typeof handlers.actions?.[name] !== "function") throw new HandlerMissingError(definition.name, "action", name);
    const handlerTimeoutMs = timerOption(`register(${definition.name}).handlerTimeoutMs`, options.handlerTimeoutMs, this.options.handlerTimeoutMs);
    const machine: RegisteredMachine = { definition, handlers, validator: new PayloadValidator(definition), handlerTimeoutMs, stats: this.statsOf(definition) };
    versions.set(definition.version, machine);
    this.versions.set(definition.name, versions);
    const newest = this.newest.get(definition.name);
    if (!newest || newest.definition.version < definition.version) this.newest.set(definition.name, machine);
    return machine;
  }

  /** The newest registered version of a machine; undefined when this process did not register it. */
  newestOf(name: string): RegisteredMachine | undefined {
    return this.newest.get(name);
  }

  /** The names of the registered machines. */
  names(): string[] {
    return [...this.newest.keys()];
  }

  /** Every registered version of every machine. */
  all(): RegisteredMachine[] {
    return [...this.versions.values()].flatMap((versions) => [...versions.values()]);
  }

  /**
   * Stores the definition in Redis under its version (VersionConflictError when that version is stored
   * with other content). Once per registered version: undefined once it is stored, else the store in flight.
   */
  stored(machine: RegisteredMachine): Promise<void> | undefined {
    if (this.storedMachines.has(machine)) return undefined;
    let storing = this.storing.get(machine);
    if (!storing) {
      storing = storeDefinition(this.connection.redis, this.keys, machine.definition).then(
        () => {
          this.storedMachines.add(machine);
          this.storing.delete(machine);
        },
        (error: unknown) => {
          // A conflict stays refused; a Redis failure is tried again by the next call.
          if (!(error instanceof VersionConflictError)) this.storing.delete(machine);
          throw error instanceof FlowRuntimeError ? error : asRedisError(this.connection, error);
        },
      );
      this.storing.set(machine, storing);
    }
    return storing;
  }

  /**
   * The machine a flow of `version` runs on here: a registered version, or the definition stored in
   * Redis run with the newest registered version's handlers when they include every guard and action it
   * names; a reason when neither. Looked up again after a while, as another deploy may store it.
   */
  machineFor(name: string, version: number): RegisteredMachine | Promise<RegisteredMachine | string> | string {
    const registered = this.versions.get(name)?.get(version);
    if (registered) return registered;
    const key = `${name}\u0000${version}`;
    const cached = this.pinned.get(key);
    if (cached && cached.until > Date.now()) return cached.machine;
    const machine = this.loadPinned(name, version);
    // A stored version never changes and neither do this process's handlers: a machine found is kept
    // for good; a reason why not is looked at again after a while (another deploy may store it).
    const entry = { machine, until: Date.now() + 10 * this.options.sweepIntervalMs };
    this.pinned.set(key, entry);
    machine.then((found) => void (typeof found !== "string" && (entry.until = Number.POSITIVE_INFINITY)), noop);
    return machine;
  }

  /** Told once per version and process (the sweeper offers such flows again each interval): the flows are left, not lost. */
  leftVersion(name: string, version: number, reason: string): void {
    this.counters.leftForOtherVersions++;
    const key = `${name}\u0000${version}`;
    if (this.toldUnavailable.has(key)) return;
    this.toldUnavailable.add(key);
    this.reportError(new VersionUnavailableError(name, version, reason), { machine: name, flowId: "", attempt: 0, phase: "version" });
  }

  private async loadPinned(name: string, version: number): Promise<RegisteredMachine | string> {
    const newest = this.newest.get(name);
    if (!newest) return "the machine is not registered here";
    let definition: MachineDefinition | undefined;
    try {
      definition = await loadDefinition(this.connection.redis, this.keys, name, version);
    } catch (error) {
      this.pinned.delete(`${name}\u0000${version}`);
      throw asRedisError(this.connection, error);
    }
    if (!definition) return "no definition of that version is stored in Redis";
    const handlers = newest.handlers;
    const missing = [
      ...definition.guards.filter((g) => typeof handlers.guards[g] !== "function").map((g) => `guard ${g}`),
      ...definition.actions.filter((a) => typeof handlers.actions[a] !== "function").map((a) => `action ${a}`),
    ];
    if (missing.length > 0) return `the handlers registered here lack ${missing.join(", ")}`;
    return { definition, handlers, validator: new PayloadValidator(definition), handlerTimeoutMs: newest.handlerTimeoutMs, stats: newest.stats };
  }

  /** How often this process says which versions it runs; the word holds three times as long. */
  private advertiseEveryMs(): number {
    return Math.max(500, Math.min(this.options.watchdogIntervalMs, 5 * this.options.sweepIntervalMs));
  }

  /** Tells the deployment which versions of each machine this process runs: registered ones, and stored ones its handlers cover. */
  async advertise(): Promise<void> {
    const holdMs = 3 * this.advertiseEveryMs();
    await Promise.all(
      [...this.versions].map(async ([name, registered]) => {
        const runnable = new Set(registered.keys());
        for (const version of await storedVersions(this.connection.redis, this.keys, name)) {
          if (runnable.has(version)) continue;
          const found = this.machineFor(name, version);
          if (typeof (found instanceof Promise ? await found : found) !== "string") runnable.add(version);
        }
        await advertiseVersions(this.connection.redis, this.keys, name, [...runnable], holdMs);
      }),
    );
  }

  /** Advertises again every interval, until `stopAdvertising`. */
  startAdvertising(): void {
    this.advertiser = setInterval(() => {
      this.advertise().catch((error: unknown) => this.reportError(error, { machine: "", flowId: "", attempt: 0, phase: "version" }));
    }, this.advertiseEveryMs());
    this.advertiser.unref();
  }

  stopAdvertising(): void {
    clearInterval(this.advertiser);
  }
}
