// Types of the `redlock` package (5.0.0-beta.2): its package.json `exports` has no `types` condition, so under NodeNext
// TypeScript finds no declarations of its own. This covers what the runtime uses; lease.ts references it, and nothing in
// the runtime's public declarations names a redlock type, so consumers need none of it.
declare module "redlock" {
  import type { EventEmitter } from "node:events";
  import type { Cluster, Redis } from "ioredis";

  type Client = Redis | Cluster;

  export interface Settings {
    readonly driftFactor: number;
    readonly retryCount: number;
    readonly retryDelay: number;
    readonly retryJitter: number;
    readonly automaticExtensionThreshold: number;
  }

  export interface ExecutionStats {
    readonly membershipSize: number;
    readonly quorumSize: number;
    readonly votesFor: Set<Client>;
    readonly votesAgainst: Map<Client, Error>;
  }

  export interface ExecutionResult {
    attempts: readonly Promise<ExecutionStats>[];
  }

  /** A lock server's vote against: the resource is locked there. */
  export class ResourceLockedError extends Error {
    constructor(message: string);
  }

  /** No quorum: `attempts` says how each attempt's votes went. */
  export class ExecutionError extends Error {
    readonly attempts: readonly Promise<ExecutionStats>[];
    constructor(message: string, attempts: readonly Promise<ExecutionStats>[]);
  }

  export class Lock {
    readonly redlock: Redlock;
    readonly resources: string[];
    readonly value: string;
    readonly attempts: readonly Promise<ExecutionStats>[];
    expiration: number;
    release(): Promise<ExecutionResult>;
    extend(duration: number): Promise<Lock>;
  }

  export default class Redlock extends EventEmitter {
    constructor(clients: Iterable<Client>, settings?: Partial<Settings>);
    acquire(resources: string[], duration: number, settings?: Partial<Settings>): Promise<Lock>;
    release(lock: Lock, settings?: Partial<Settings>): Promise<ExecutionResult>;
    extend(existing: Lock, duration: number, settings?: Partial<Settings>): Promise<Lock>;
    quit(): Promise<void>;
  }
}
