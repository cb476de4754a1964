import { once } from 'node:events';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UmemControl } from './control.ts';
import type { DataplanePlan } from './plan.ts';

const STOP_GRACE_MS = 2000;

/** Built by the setup step: the worker in one file, which starts far faster than the sources through tsx. */
const BUNDLE = new URL('../../build/dataplane-worker.mjs', import.meta.url);
const SOURCE_ENTRY = new URL('./worker-entry.mjs', import.meta.url);
const BUNDLED_FROM = ['../', '../../../shared/src/'].map((path) => fileURLToPath(new URL(path, import.meta.url)));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let script: URL | null = null;

/** The bundle while it is at least as new as every source it was built from; the sources otherwise. */
function workerScript(): URL {
  if (script) return script;
  const bundle = fileURLToPath(BUNDLE);
  const fresh =
    existsSync(bundle) && statSync(bundle).mtimeMs >= Math.max(...BUNDLED_FROM.map((dir) => newestSource(dir)));
  script = fresh ? BUNDLE : SOURCE_ENTRY;
  return script;
}

/** The main thread's handle on one data-plane worker (one UMEM's): start it, stop it. */
export class DataplaneWorker {
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly control: Int32Array,
  ) {
    worker.once('exit', () => {
      this.exited = true;
    });
  }

  /** Starts a worker on `plan`. Resolves once the worker runs; rejects if it dies first. */
  static async start(plan: DataplanePlan, onError: (error: Error) => void): Promise<DataplaneWorker> {
    const control = new Int32Array(plan.blocks.control);
    Atomics.store(control, UmemControl.STOP, 0);
    // A worker terminated mid-batch leaves the seqlock odd; the next must start from even or readers invert.
    if (Atomics.load(control, UmemControl.GENERATION) & 1) Atomics.add(control, UmemControl.GENERATION, 1);
    const worker = new Worker(workerScript(), { workerData: plan });
    const handle = new DataplaneWorker(worker, control);
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`data-plane worker exited with code ${code} before it ran`)));
    });
    worker.on('error', onError);
    return handle;
  }

  /** Asks the loop to stop and waits for the thread to end; the rings are free for deletion after. */
  async stop(): Promise<void> {
    if (this.exited) return;
    Atomics.store(this.control, UmemControl.STOP, 1);
    // An idle worker sleeps on WAKE: wake it to see STOP.
    Atomics.add(this.control, UmemControl.WAKE, 1);
    Atomics.notify(this.control, UmemControl.WAKE);
    const timer = setTimeout(() => void this.worker.terminate(), STOP_GRACE_MS);
    await once(this.worker, 'exit');
    clearTimeout(timer);
  }
}
