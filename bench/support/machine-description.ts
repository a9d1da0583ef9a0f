// Describes the machine a benchmark ran on and reads the Redis server's CPU time, for the recorded tables.
import { availableParallelism, totalmem } from "node:os";
import type { Redis } from "ioredis";

export async function describeMachine(redis: Redis): Promise<string> {
  const info = await redis.info("server");
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
  const memoryGiB = (totalmem() / 1024 ** 3).toFixed(1);
  const flags = process.env.BENCH_NODE_FLAGS?.trim();
  return `nproc ${availableParallelism()}, ${memoryGiB} GiB RAM, Node ${process.version}${flags ? ` (bench processes: ${flags})` : ""}, Redis ${redisVersion}, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** CPU seconds (user + system, all threads) the Redis server has used since it started. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const seconds = (field: string) => Number(new RegExp(`^${field}:(\\S+)`, "m").exec(info)?.[1] ?? Number.NaN);
  return seconds("used_cpu_user") + seconds("used_cpu_sys");
}
