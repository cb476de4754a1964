import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { allocateSharedBlocks, Control, type ControlWord, type SharedBlocks } from './control.ts';
import type { DataplanePlan } from './plan.ts';

const STOP_GRACE_MS = 2000;

/** The main thread's handle on one data-plane worker: start it, steer it, stop it. */
export class DataplaneWorker {
  readonly control: Int32Array;
  readonly counters: Float64Array;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    readonly blocks: SharedBlocks,
  ) {
    this.control = new Int32Array(blocks.control);
    this.counters = new Float64Array(blocks.counters);
    worker.once('exit', () => {
      this.exited = true;
    });
  }

  /**
   * Starts a worker on `plan`; `setup` writes the first control words before the
   * loop can read them. Resolves once the worker runs; rejects if it dies first.
   */
  static async start(
    plan: Omit<DataplanePlan, 'blocks'>,
    frameCount: number,
    setup: (control: Int32Array) => void,
    onError: (error: Error) => void,
  ): Promise<DataplaneWorker> {
    const blocks = allocateSharedBlocks(frameCount);
    setup(new Int32Array(blocks.control));
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { ...plan, blocks } });
    const handle = new DataplaneWorker(worker, blocks);
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`data-plane worker exited with code ${code} before it ran`)));
    });
    worker.on('error', onError);
    return handle;
  }

  set(word: ControlWord, value: number): void {
    Atomics.store(this.control, word, value);
    Atomics.notify(this.control, word);
  }

  get(word: ControlWord): number {
    return Atomics.load(this.control, word);
  }

  /** Asks the loop to stop and waits for the thread to end; the rings are free for deletion after. */
  async stop(): Promise<void> {
    if (this.exited) return;
    Atomics.store(this.control, Control.STOP, 1);
    // A worker with every stage paused sleeps on STEP_REQUESTS: wake it to see STOP.
    Atomics.notify(this.control, Control.STEP_REQUESTS);
    const timer = setTimeout(() => void this.worker.terminate(), STOP_GRACE_MS);
    await once(this.worker, 'exit');
    clearTimeout(timer);
  }
}
