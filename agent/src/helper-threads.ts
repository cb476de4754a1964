import { readdirSync } from 'node:fs';
import { dataplaneThreadIds } from './dataplane/dataplane-worker.ts';
import { NativeError } from './native/errors.ts';
import { setThreadNice } from './native/libc.ts';

/**
 * Gives the agent's helper threads the observer's nice: V8's platform
 * workers (garbage collection and compilation for the main thread's
 * snapshots and messages), libuv's pool and the like start at nice 0 with
 * the process, and a thread's nice is its own. Watching a foreign receiver
 * with 10 clients at 60 snapshots/s on two saturated cores, they ran 30 to
 * 55 ms a second at nice 0, beside the main thread's 70-85 at nice 19. The
 * data-plane threads keep theirs; the main thread's is CommandPriority's.
 * Returns how many threads it set; none while a data-plane thread is
 * starting and not yet known by its id (run again later: threads also come).
 */
export function yieldHelperThreads(nice: number): number {
  const dataplane = dataplaneThreadIds();
  if (dataplane === null) return 0;
  let set = 0;
  for (const entry of readdirSync('/proc/self/task')) {
    const tid = Number(entry);
    if (tid === process.pid || dataplane.has(tid)) continue;
    try {
      setThreadNice(nice, tid);
      set++;
    } catch (error) {
      // Ended since the directory was read.
      if (!(error instanceof NativeError && error.code === 'ESRCH')) throw error;
    }
  }
  return set;
}
