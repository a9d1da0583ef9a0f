// The runtime's counters, as `runtime.metrics()` returns them.

export interface RuntimeMetrics {
  /** Events acknowledged by `send`/`start` (duplicates excluded). */
  enqueued: number;
  /** `send`/`start` retries recognised by event id and acknowledged without enqueueing again. */
  duplicates: number;
  /** Events committed with an effect (a transition, internal or external, or the start). */
  applied: number;
  /** Events no clause handled: committed without change and reported to `onUnhandled`. */
  unhandled: number;
  /** Timer events of a state entry that was over when they applied: committed without change. */
  droppedTimers: number;
  /** Events still queued when the flow ended: deleted with its queue. */
  droppedAfterEnd: number;
  /** Flows that entered a final state in this process. */
  ended: number;
  /** Commit scripts that succeeded. */
  commits: number;
  /** Commits refused by the fence: another processor took the flow over meanwhile. */
  staleCommits: number;
  /** Drains whose heartbeat found their lock taken over (or force-released). */
  lockLost: number;
  /** Attempts to take a lock that found it held elsewhere. */
  lockContention: number;
  /** Lock attempts that reached no quorum of lock servers (Redlock mode). */
  lockUnavailable: number;
  /** Handler failures that will be retried. */
  retries: number;
  /** Events moved to a flow's dead-letter list after the last attempt. */
  deadLettered: number;
  /** Flows taken over by this process's sweeper. */
  swept: number;
}

export function emptyMetrics(): RuntimeMetrics {
  return {
    enqueued: 0, duplicates: 0, applied: 0, unhandled: 0, droppedTimers: 0, droppedAfterEnd: 0, ended: 0, commits: 0,
    staleCommits: 0, lockLost: 0, lockContention: 0, lockUnavailable: 0, retries: 0, deadLettered: 0, swept: 0,
  };
}
