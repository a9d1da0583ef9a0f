// The runtime's counters, the timer service's and the watchdog's, as `runtime.metrics()` returns them.
import type { TimerServiceStats } from "./timers/service.js";

/** What this process's drains, sends and sweeper count. */
export interface RuntimeCounters {
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
  /** Handler attempts still running when `close()` stopped waiting (closeTimeoutMs): abandoned, their signals aborted. */
  abandonedOnClose: number;
  /** Times this process took a flow of a machine version it cannot run, and left it to one that can. */
  leftForOtherVersions: number;
}

/** The latest watchdog scan of this process. It sees every flow of the deployment: these are gauges of the whole deployment, not counts of this process. */
export interface WatchdogMetrics {
  /** Scans completed by this process. */
  scans: number;
  /** Redis TIME (ms) of the latest scan; 0 before the first. */
  lastScanAt: number;
  /** Active flows overdue on their deadline by more than the grace period. */
  pastDeadline: number;
  /** Deadlines this process's watchdog put back in their timer shard because the timer was lost (a counter over every scan). */
  redelivered: number;
  /** Flows with queued events, no live lock, and an oldest event older than the lock TTL. */
  orphanedQueues: number;
  /** Flows with dead-lettered events, and how many events. */
  deadLettered: number;
  deadLetteredEvents: number;
  /** Flows whose lock is held while their head event waited longer than a healthy holder keeps one (a hung holder). */
  hungHolders: number;
  /** Flows with events waiting whose machine version no live process runs. */
  unrunnable: number;
}

export interface RuntimeMetrics extends RuntimeCounters {
  /** This process's timer service (all zero before `start()`). */
  timers: TimerServiceStats;
  watchdog: WatchdogMetrics;
}

export function emptyWatchdogMetrics(): WatchdogMetrics {
  return { scans: 0, lastScanAt: 0, pastDeadline: 0, redelivered: 0, orphanedQueues: 0, deadLettered: 0, deadLetteredEvents: 0, hungHolders: 0, unrunnable: 0 };
}

export function emptyCounters(): RuntimeCounters {
  return {
    enqueued: 0,
    duplicates: 0,
    applied: 0,
    unhandled: 0,
    droppedTimers: 0,
    droppedAfterEnd: 0,
    ended: 0,
    commits: 0,
    staleCommits: 0,
    lockLost: 0,
    lockContention: 0,
    lockUnavailable: 0,
    retries: 0,
    deadLettered: 0,
    swept: 0,
    abandonedOnClose: 0,
    leftForOtherVersions: 0,
  };
}
