// Reads the old side of a diff from Redis: version N of a machine's definition, JSON in field N of the hash `fsm:def:{<Machine>}`.
// ioredis is loaded with this module, which `fsmc diff` loads only with --redis.
import { Redis } from "ioredis";

import { redisAddress } from "../redis-address.js";
import { DefinitionShapeError, definitionView, type DefinitionView } from "./definition-view.js";

/** `Machine@version` on the command line. */
export interface StoredDefinitionRef {
  machine: string;
  version: number;
}

/** A stored definition that cannot be read: Redis away, the key or version missing, or data that is not a definition. The message is one line. */
export class StoredDefinitionError extends Error {
  override name = "StoredDefinitionError";
}

/** `CallQueue@3` → { machine: "CallQueue", version: 3 }; undefined when `text` is not of that form. */
export function parseDefinitionRef(text: string): StoredDefinitionRef | undefined {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)@([1-9][0-9]*)$/.exec(text);
  const version = Number(match?.[2]);
  return match && Number.isSafeInteger(version) ? { machine: match[1]!, version } : undefined;
}

/** The hash holding every stored version of `machine` (the braces keep it in one Redis Cluster slot with the machine's other keys). */
export function definitionKey(machine: string): string {
  return `fsm:def:{${machine}}`;
}

function detailOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The definition stored for `ref` in the Redis at `url`, under the runtimes' key prefix; throws `StoredDefinitionError` naming the address, key and version. */
export async function readStoredDefinition(url: string, ref: StoredDefinitionRef, keyPrefix = ""): Promise<DefinitionView> {
  // The runtimes' keyPrefix (their ioredis option) goes in front of every key they write.
  const key = keyPrefix + definitionKey(ref.machine);
  const address = redisAddress(url);
  const what = `version ${ref.version} in ${key} at ${address}`;
  const json = await readField(url, key, ref.version, address);
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new StoredDefinitionError(`${what} is not JSON: ${detailOf(error)}`);
  }
  let view: DefinitionView;
  try {
    view = definitionView(data);
  } catch (error) {
    if (!(error instanceof DefinitionShapeError)) throw error;
    throw new StoredDefinitionError(`${what} is not a machine definition: ${error.message}`);
  }
  if (view.name !== ref.machine || view.version !== ref.version) {
    throw new StoredDefinitionError(`${what} holds the definition of ${view.name}@${view.version}, not ${ref.machine}@${ref.version}`);
  }
  return view;
}

async function readField(url: string, key: string, version: number, address: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // The socket's error (ECONNREFUSED, ETIMEDOUT…) says more than connect()'s "Connection is closed".
  let socketError: Error | undefined;
  redis.on("error", (error: Error) => (socketError ??= error));
  try {
    let value: string | null;
    let versions: string[] = [];
    try {
      await redis.connect();
      value = await redis.hget(key, String(version));
      // The hash also holds each version's content hash (`h:<version>`): only the versions are named.
      if (value === null) versions = (await redis.hkeys(key)).filter((field) => /^\d+$/.test(field));
    } catch (error) {
      throw new StoredDefinitionError(`cannot read version ${version} of ${key} from Redis at ${address}: ${socketError?.message ?? detailOf(error)}`);
    }
    if (value !== null) return value;
    if (versions.length === 0) throw new StoredDefinitionError(`Redis at ${address} has no ${key}, so no version ${version} of it`);
    const held = versions.sort((a, b) => Number(a) - Number(b)).join(", ");
    throw new StoredDefinitionError(`Redis at ${address} has no version ${version} in ${key} (it holds version${versions.length === 1 ? "" : "s"} ${held})`);
  } finally {
    redis.disconnect();
  }
}
