import { Worker } from 'node:worker_threads';
import type { DataPlaneState } from '@ringside/shared';
import { freshBundle } from '../setup/bundles.mjs';
import { UmemControl } from './control.ts';
import type { DataplanePlan } from './plan.ts';

const STOP_GRACE_MS = 2000;

const SOURCE_ENTRY = new URL('./worker-entry.mjs', import.meta.url);

let script: URL | null = null;

/** The worker in one file while it is at least as new as its sources (setup/bundles.mjs); the sources otherwise. */
function workerScript(): URL {
  script ??= freshBundle('dataplaneWorker') ?? SOURCE_ENTRY;
  return script;
}

/** A worker restarted this often within CRASH_WINDOW_MS is left down at its next crash: something makes it fail at once. */
const MAX_RESTARTS = 3;
/**
 * Under RINGSIDE_TEST_FAULTS the window is ten minutes: a test crashing a
 * worker on purpose must not depend on how fast a busy machine restarts it.
 */
const CRASH_WINDOW_MS = process.env.RINGSIDE_TEST_FAULTS === '1' ? 600_000 : 10_000;

export const RUNNING: DataPlaneState = { state: 'running' };

/**
 * A worker thread ended without being asked to: restarted on the same rings,
 * or left down, because it crashed too often or the worker started in its
 * place failed as well.
 */
export class DataplaneCrash extends Error {
  override readonly name = 'DataplaneCrash';
  constructor(
    readonly reason: Error,
    readonly restarted: boolean,
    /** Why the worker started in its place did not run; null when none was started or it ran. */
    readonly relaunchFailure: Error | null = null,
  ) {
    super(
      restarted
        ? `the data-plane worker crashed (${reason.message}) and was restarted on the same rings: the frames it was processing are free again`
        : relaunchFailure
          ? `the data-plane worker crashed (${reason.message}) and the worker started in its place failed too (${relaunchFailure.message}): left down, its sockets' rings are no longer driven`
          : `the data-plane worker crashed (${reason.message}) ${MAX_RESTARTS + 1} times in ${CRASH_WINDOW_MS / 1000} s, restarted ${MAX_RESTARTS} times, and was left down: its sockets' rings are no longer driven`,
    );
  }
}

const running = new Set<DataplaneWorker>();

/** The data-plane threads by id, and the workers starting, whose thread ids are not known yet. */
const threadIds = new Set<number>();
const starting = new Set<Worker>();

/**
 * The ids of every data-plane thread, which keep DATAPLANE_NICE; null while
 * one is starting (it sets its own nice before it says its id, so a thread
 * not listed may be one).
 */
export function dataplaneThreadIds(): ReadonlySet<number> | null {
  return starting.size === 0 ? threadIds : null;
}

// Test-only (RINGSIDE_TEST_FAULTS=1, set by agent/test/faults.test.ts): SIGUSR2 ends every data-plane thread
// at whatever point it has reached, as a crash would, so tests can prove the agent survives one.
if (process.env.RINGSIDE_TEST_FAULTS === '1') {
  process.on('SIGUSR2', () => {
    for (const handle of running) void handle.worker.terminate();
  });
}

interface Launched {
  worker: Worker;
  /** Resolves once the pipeline runs; rejects if the thread ends first. */
  running: Promise<void>;
  /** The thread's end, with the error that ended it, if one did. */
  ended: Promise<{ code: number; error: Error | null }>;
}

function launch(plan: DataplanePlan, control: Int32Array): Launched {
  Atomics.store(control, UmemControl.STOP, 0);
  Atomics.store(control, UmemControl.LEFT_DOWN, 0);
  // A worker terminated mid-batch leaves the seqlock odd; the next must start from even or readers invert.
  if (Atomics.load(control, UmemControl.GENERATION) & 1) Atomics.add(control, UmemControl.GENERATION, 1);
  const worker = new Worker(workerScript(), { workerData: plan });
  let error: Error | null = null;
  // Listened to for the thread's whole life: an 'error' nobody listens to would be thrown on the main thread.
  worker.on('error', (thrown) => {
    error = thrown;
  });
  // Not events.once: it rejects on 'error', and a crash emits 'error' before 'exit'.
  const ended = new Promise<{ code: number; error: Error | null }>((resolve) =>
    worker.once('exit', (code) => resolve({ code, error })),
  );
  starting.add(worker);
  let tid: number | null = null;
  const running = new Promise<void>((resolve, reject) => {
    worker.once('message', (message: { threadId: number }) => {
      // Its id counts only while it still starts: a thread that ended first is in neither set.
      if (starting.delete(worker)) {
        tid = message.threadId;
        threadIds.add(tid);
      }
      resolve();
    });
    void ended.then(({ code, error: thrown }) => {
      starting.delete(worker);
      if (tid !== null) threadIds.delete(tid);
      reject(thrown ?? new Error(`data-plane worker exited with code ${code} before it ran`));
    });
  });
  return { worker, running, ended };
}

/**
 * The main thread's handle on one data-plane worker (one UMEM's): start it,
 * stop it, and restart it when it ends on its own. A new worker adopts the
 * ledger (pipeline.ts), so every frame stays accounted for across a crash.
 */
export class DataplaneWorker {
  private stopping = false;
  private readonly supervised: Promise<void>;
  private readonly crashes: number[] = [];
  /** Down, when and why, once a crash was not followed by a restart. */
  private downState: DataPlaneState = RUNNING;

  private constructor(
    private current: Launched,
    private readonly plan: DataplanePlan,
    private readonly control: Int32Array,
    private readonly onError: (error: Error) => void,
  ) {
    this.supervised = this.supervise();
  }

  /** Starts a worker on `plan`. Resolves once the worker runs; rejects if it dies first. */
  static async start(plan: DataplanePlan, onError: (error: Error) => void): Promise<DataplaneWorker> {
    const control = new Int32Array(plan.blocks.control);
    const launched = launch(plan, control);
    await launched.running;
    const handle = new DataplaneWorker(launched, plan, control, onError);
    running.add(handle);
    return handle;
  }

  get worker(): Worker {
    return this.current.worker;
  }

  get state(): DataPlaneState {
    return this.downState;
  }

  private leftDown(crash: DataplaneCrash): void {
    running.delete(this);
    // Every reading of this UMEM would otherwise wait out its budget on a window no thread will close, and the
    // snapshots of every socket with it (observeAll).
    Atomics.store(this.control, UmemControl.LEFT_DOWN, 1);
    this.downState = { state: 'down', since: Date.now(), reason: crash.message };
    this.onError(crash);
  }

  /** Waits for the thread to end; unless it was asked to, starts another on the same plan. */
  private async supervise(): Promise<void> {
    for (;;) {
      const { code, error } = await this.current.ended;
      if (this.stopping) return;
      const cause = error ?? new Error(`the thread ended with exit code ${code}`);
      const now = Date.now();
      this.crashes.push(now);
      while ((this.crashes[0] as number) < now - CRASH_WINDOW_MS) this.crashes.shift();
      if (this.crashes.length > MAX_RESTARTS) {
        this.leftDown(new DataplaneCrash(cause, false));
        return;
      }
      this.current = launch(this.plan, this.control);
      const relaunchFailure = await this.current.running.then(
        () => null,
        (failure: Error) => failure,
      );
      if (this.stopping) continue;
      if (relaunchFailure) {
        this.leftDown(new DataplaneCrash(cause, false, relaunchFailure));
        return;
      }
      this.onError(new DataplaneCrash(cause, true));
    }
  }

  /** Asks the loop to stop and waits for the thread to end; the rings are free for deletion after. */
  async stop(): Promise<void> {
    this.stopping = true;
    running.delete(this);
    Atomics.store(this.control, UmemControl.STOP, 1);
    // An idle worker sleeps on WAKE: wake it to see STOP.
    Atomics.add(this.control, UmemControl.WAKE, 1);
    Atomics.notify(this.control, UmemControl.WAKE);
    const timer = setTimeout(() => void this.current.worker.terminate(), STOP_GRACE_MS);
    await this.supervised;
    clearTimeout(timer);
  }
}
