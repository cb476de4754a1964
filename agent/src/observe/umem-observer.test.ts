import { describe, expect, it } from 'vitest';
import { allocateUmemBlocks, UmemControl } from '../dataplane/control.ts';
import { AppState, ledgerByte } from '../xsk/ledger.ts';
import { FillRing, type RingMemory } from '../xsk/ring.ts';
import { OwnUmemSource } from './own-umem.ts';
import type { ObservationSource } from './source.ts';
import { UmemObserver } from './umem-observer.ts';

const FRAME_SIZE = 2048;
const FRAMES = 8;

function ring(size: number, wordsPerEntry: number): RingMemory {
  return {
    size,
    producer: new Uint32Array(new SharedArrayBuffer(4)),
    consumer: new Uint32Array(new SharedArrayBuffer(4)),
    flags: new Uint32Array(new SharedArrayBuffer(4)),
    entries: new Uint32Array(size * wordsPerEntry),
    cache: new Uint32Array(2),
  };
}

/** A UMEM of 8 frames with one socket, and a stand-in for its worker that hands frames to FILL. */
function umem() {
  const blocks = allocateUmemBlocks(FRAMES);
  const fillMemory = ring(8, 2);
  const pair = { slot: 0, fill: fillMemory, completion: ring(8, 2) };
  const socket = { socketId: 's', slot: 0, pair: 0, rx: ring(8, 4), tx: null };
  const source = new OwnUmemSource('u', FRAME_SIZE, FRAMES, blocks, () => ({ pairs: [pair], sockets: [socket] }));
  const control = new Int32Array(blocks.control);
  const ledger = new Uint8Array(blocks.ledger);
  const fill = new FillRing(fillMemory);
  const worker = {
    /** The first half of a hand-over: the ledger says FILL, the ring does not yet (the seqlock is odd). */
    beginFeeding(frame: number) {
      Atomics.add(control, UmemControl.GENERATION, 1);
      ledger[frame] = ledgerByte(AppState.GIVEN_TO_FILL, 0);
    },
    /** The second half, as the pipeline ends a batch: notify only when a reader said it waits. Returns how many woke. */
    endFeeding(frame: number): number {
      fill.reserve(1);
      fill.setAddress(fill.claimIndex, frame * FRAME_SIZE);
      fill.submit(1);
      Atomics.add(control, UmemControl.GENERATION, 1);
      if (Atomics.load(control, UmemControl.READERS_WAITING) === 0) return 0;
      return Atomics.notify(control, UmemControl.GENERATION);
    },
  };
  return { observer: new UmemObserver(source), control, worker };
}

describe('the UMEM reader', () => {
  it('reads a quiet UMEM at once, every frame owned once', async () => {
    const { observer, worker } = umem();
    worker.beginFeeding(3);
    worker.endFeeding(3);
    const reading = await observer.read({ entries: true });
    expect(reading.consistent).toBe(true);
    expect(reading.ledger.counts).toMatchObject({ fill: 1, free: FRAMES - 1 });
    expect(reading.ledger.violations).toEqual([]);
    expect(reading.pairs[0]?.entries?.fill.addresses).toEqual([3 * FRAME_SIZE]);
  });

  it('waits without blocking while the worker is mid-batch, and reads once it is done', async () => {
    const { observer, control, worker } = umem();
    worker.beginFeeding(5);
    let settled = false;
    const reading = observer.read({ entries: false }).finally(() => {
      settled = true;
    });
    // The thread is free: this timer runs while the read waits, and finds the reader registered.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(false);
    expect(Atomics.load(control, UmemControl.READERS_WAITING)).toBe(1);
    // Woken by the worker's notify, not left to the end of a wait slice: the reader waits on the generation word.
    expect(worker.endFeeding(5)).toBe(1);
    const { consistent, ledger } = await reading;
    expect(settled).toBe(true);
    expect(consistent).toBe(true);
    expect(ledger.counts).toMatchObject({ fill: 1, free: FRAMES - 1 });
    expect(ledger.violations).toEqual([]);
    expect(Atomics.load(control, UmemControl.READERS_WAITING)).toBe(0);
  });

  it('reads now with a short budget, and says so when the worker stayed mid-batch', () => {
    const { observer, worker } = umem();
    worker.beginFeeding(1);
    const reading = observer.readNow({ entries: false });
    expect(reading.consistent).toBe(false);
    // Half a hand-over: the ledger says FILL, the ring does not list the frame.
    expect(reading.ledger.counts['kernel-rx']).toBe(1);
  });

  it('does not wait on a window its worker, left down, will never close: the reading is what there is', async () => {
    const { observer, control, worker } = umem();
    worker.beginFeeding(6);
    Atomics.store(control, UmemControl.LEFT_DOWN, 1);
    let settled = false;
    const reading = observer.read({ entries: false }).finally(() => {
      settled = true;
    });
    // Nothing ends the window: the read settles at once, before the event loop turns even once.
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(true);
    const { consistent, ledger } = await reading;
    expect(consistent).toBe(false);
    expect(ledger.counts['kernel-rx']).toBe(1);
    expect(Atomics.load(control, UmemControl.READERS_WAITING)).toBe(0);
  });

  it('reuses a reading while nothing moved, and reads again once something did', async () => {
    const { observer, worker } = umem();
    const first = await observer.read({ entries: false });
    expect(await observer.read({ entries: false })).toBe(first);
    worker.beginFeeding(2);
    worker.endFeeding(2);
    const second = await observer.read({ entries: false });
    expect(second).not.toBe(first);
    expect(second.ledger.counts.fill).toBe(1);
  });

  it("reads a source without an application side (another process's socket) as rings alone", async () => {
    const pair = { slot: 0, fill: ring(8, 2), completion: ring(8, 2) };
    const fill = new FillRing(pair.fill);
    fill.reserve(2);
    fill.setAddress(fill.claimIndex, 0);
    fill.setAddress(fill.claimIndex + 1, FRAME_SIZE);
    fill.submit(2);
    const foreign: ObservationSource = {
      id: 'pid 4242, fd 7',
      frames: () => ({ count: FRAMES, chunkSize: FRAME_SIZE }),
      application: null,
      rings: () => ({ pairs: [pair], sockets: [] }),
    };
    const reading = await new UmemObserver(foreign).read({ entries: false });
    expect(reading.ledger).toBeNull();
    expect(reading.consistent).toBe(true);
    expect([...(reading.pairs[0]?.frames.fill ?? [])]).toEqual([0, 1]);
  });
});
