import { describe, expect, it, vi } from 'vitest';
import { Control, Counter, Stage, UmemControl } from './control.ts';
import { FramePipeline } from './pipeline.ts';
import { PlayedKernel, type PlayedUmem } from './test-kernel.ts';

function played(options: PlayedUmem) {
  const kernel = new PlayedKernel(options);
  const pipeline = new FramePipeline(kernel.setup, kernel, kernel.clock);
  const control = kernel.lanes[0]?.control as Int32Array;
  return { kernel, pipeline, control };
}

describe('a round of the pipeline', () => {
  it('rxdrop: FILL → kernel → RX → free → FILL again, every frame accounted for after each move', () => {
    const { kernel, pipeline } = played({ lanes: [{ workload: 'rxdrop' }] });
    expect(pipeline.round()).toBe(4);
    expect(kernel.counts()).toEqual({ free: 28, fill: 4 });
    const received = kernel.receive(0, 3);
    expect(kernel.counts()).toEqual({ free: 28, fill: 1, rx: 3 });
    // Drained to the pool, then the same round refills FILL from it, most recently freed first.
    expect(pipeline.round()).toBe(3 + 4);
    expect(kernel.counts()).toEqual({ free: 27, fill: 5 });
    expect(kernel.takeFill(0).slice(1, 4)).toEqual(received.slice().reverse());
    expect(kernel.owners().violations).toEqual([]);
  });

  it('l2fwd: a received frame goes back out of the same socket, its MAC addresses swapped, and comes home', () => {
    const { kernel, pipeline } = played({ lanes: [{ workload: 'l2fwd' }] });
    pipeline.round();
    const [address] = kernel.takeFill(0, 1) as [number];
    kernel.setup.umem.set([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2], address);
    kernel.deliver(0, [address], 60);
    pipeline.round();
    expect(kernel.counts()).toEqual({ free: 24, fill: 7, tx: 1 });
    expect(kernel.calls).toContain('kickTx 10');
    const [sent] = kernel.transmit(0);
    expect(sent).toEqual({ address, length: 60 });
    expect(Array.from(kernel.setup.umem.subarray(address, address + 12))).toEqual([2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]);
    expect(kernel.counts()).toEqual({ free: 24, fill: 7, completion: 1 });
    pipeline.round();
    expect(kernel.counts()).toEqual({ free: 24, fill: 8 });
    expect(kernel.lanes[0]?.counters[Counter.COMPLETED]).toBe(1);
  });

  it('l2fwd holds what TX has no room for, as the application’s, and sends it when room comes back', () => {
    const { kernel, pipeline } = played({ ringSize: 4, lanes: [{ workload: 'l2fwd' }] });
    pipeline.round();
    kernel.receive(0, 4);
    pipeline.round();
    kernel.receive(0, 4);
    pipeline.round();
    expect(kernel.counts()).toEqual({ free: 20, fill: 4, app: 4, tx: 4 });
    kernel.takeTx(0, 2);
    pipeline.round();
    expect(kernel.counts()).toEqual({ free: 20, fill: 4, app: 2, tx: 4, 'kernel-tx': 2 });
    expect(kernel.owners().violations).toEqual([]);
  });
});

describe('pause, resume and step, per stage', () => {
  it('a paused FILL refill gives FILL nothing until resumed', () => {
    const { kernel, pipeline, control } = played({ lanes: [{ workload: 'rxdrop' }] });
    control[Control.PAUSED_STAGES] = Stage.FILL_REFILL;
    expect(pipeline.round()).toBe(0);
    expect(kernel.counts()).toEqual({ free: 32 });
    control[Control.PAUSED_STAGES] = 0;
    expect(pipeline.round()).toBe(4);
  });

  it('a paused RX drain leaves received frames on RX', () => {
    const { kernel, pipeline, control } = played({ lanes: [{ workload: 'rxdrop' }] });
    pipeline.round();
    control[Control.PAUSED_STAGES] = Stage.RX_DRAIN;
    kernel.receive(0, 4);
    pipeline.round();
    expect(kernel.counts()).toEqual({ free: 24, fill: 4, rx: 4 });
    control[Control.PAUSED_STAGES] = 0;
    pipeline.round();
    expect(kernel.counts()).toEqual({ free: 24, fill: 8 });
  });

  it('a paused TX submit sends nothing; a paused COMPLETION reap leaves sent frames on COMPLETION', () => {
    const { kernel, pipeline, control } = played({ lanes: [{ workload: 'txonly' }] });
    sendFlatOut(control, kernel);
    control[Control.PAUSED_STAGES] = Stage.TX_SUBMIT | Stage.COMPLETION_REAP;
    expect(pipeline.round()).toBe(0);
    control[Control.PAUSED_STAGES] = Stage.COMPLETION_REAP;
    expect(pipeline.round()).toBe(4);
    kernel.transmit(0);
    expect(pipeline.round()).toBe(4);
    expect(kernel.counts()).toEqual({ free: 24, tx: 4, completion: 4 });
    control[Control.PAUSED_STAGES] = Stage.TX_SUBMIT;
    expect(pipeline.round()).toBe(4);
    expect(kernel.counts()).toEqual({ free: 28, tx: 4 });
  });

  it('a step runs one batch of the stages asked for, paused or not, and says when it is done', () => {
    const { kernel, pipeline, control } = played({ lanes: [{ workload: 'rxdrop' }] });
    control[Control.PAUSED_STAGES] = Stage.FILL_REFILL | Stage.RX_DRAIN;
    control[Control.STEP_STAGES] = Stage.FILL_REFILL;
    control[Control.STEP_REQUESTS] = 1;
    expect(pipeline.round()).toBe(4);
    expect(control[Control.STEPS_DONE]).toBe(1);
    expect(pipeline.round()).toBe(0);
    kernel.receive(0, 2);
    control[Control.STEP_STAGES] = 0;
    control[Control.STEP_REQUESTS] = 2;
    // Every stage: RX drained, then FILL refilled, in one round.
    expect(pipeline.round()).toBe(2 + 4);
    expect(control[Control.STEPS_DONE]).toBe(2);
    expect(kernel.counts()).toEqual({ free: 26, fill: 6 });
  });

  it('a pair stage paused by any socket on the pair is paused for all of them', () => {
    const { kernel, pipeline } = played({ lanes: [{ workload: 'rxdrop' }, { workload: 'rxdrop' }] });
    (kernel.lanes[0]?.control as Int32Array)[Control.PAUSED_STAGES] = Stage.FILL_REFILL;
    expect(pipeline.round()).toBe(0);
  });
});

describe('idle scheduling', () => {
  it('a receiver with nothing to do sleeps in poll on its socket; several receivers poll briefly', () => {
    const one = played({ lanes: [{ workload: 'rxdrop' }] });
    one.pipeline.run();
    expect(one.kernel.calls).toEqual(['awaitReceive 10 20']);
    expect(one.kernel.lanes[0]?.counters[Counter.IDLE_WAITS]).toBe(1);
    const two = played({ lanes: [{ workload: 'rxdrop' }, { workload: 'rxdrop' }] });
    two.pipeline.run();
    expect(two.kernel.calls).toEqual(['awaitReceive 10,11 2']);
  });

  it('with nothing to receive or send, it sleeps until a command', () => {
    const { kernel, pipeline, control } = played({ lanes: [{ workload: 'rxdrop' }] });
    control[Control.PAUSED_STAGES] = Stage.RX_DRAIN;
    pipeline.run();
    expect(kernel.calls).toEqual(['awaitCommand 20']);
  });

  it('a sender short of tokens sleeps until it has one, at most a millisecond', () => {
    const { kernel, pipeline, control } = played({ lanes: [{ workload: 'txonly' }] });
    control[Control.RATE_PPS] = 500;
    control[Control.FRAME_LENGTH] = 60;
    control[Control.SEND_REMAINING] = -1;
    pipeline.run();
    expect(kernel.calls).toEqual(['awaitCommand 1']);
    kernel.calls.length = 0;
    control[Control.RATE_PPS] = 16_000;
    Atomics.store(kernel.setup.control, UmemControl.STOP, 0);
    pipeline.run();
    expect(kernel.calls).toEqual(['awaitCommand 0.25']);
  });

  it('a busy-polling receiver drives NAPI with a recvfrom every round, idle or not, counted apart from wakeups', () => {
    const { kernel, pipeline } = played({ lanes: [{ workload: 'rxdrop', needWakeup: true, busyPoll: true }] });
    pipeline.round();
    kernel.receive(0, 2);
    pipeline.run();
    // Every round ends with one, the last (which moved nothing) too, before the sleep.
    const polls = kernel.calls.slice(0, -1);
    expect(kernel.calls.at(-1)).toBe('awaitReceive 10 20');
    expect(new Set(polls)).toEqual(new Set(['busyPollRx 10']));
    expect(kernel.lanes[0]?.counters[Counter.BUSY_POLLS]).toBe(polls.length);
    expect(kernel.lanes[0]?.counters[Counter.WAKEUPS]).toBe(0);
    const off = played({ lanes: [{ workload: 'rxdrop', needWakeup: true }] });
    off.pipeline.round();
    off.kernel.receive(0, 2);
    off.pipeline.run();
    expect(off.kernel.calls).toEqual(['awaitReceive 10 20']);
  });

  it('counts each TX kick and the descriptors the kernel consumed inside it: the budget per sendto', () => {
    const { kernel, pipeline, control } = played({ lanes: [{ workload: 'txonly' }] });
    sendFlatOut(control, kernel);
    control[Control.SEND_REMAINING] = 5;
    // A kernel whose budget is 2 descriptors a call, completing what it sent.
    kernel.onKick = (lane) => {
      const sent = kernel.takeTx(lane, 2);
      kernel.complete(
        0,
        sent.map((frame) => frame.address),
      );
    };
    pipeline.run();
    const counters = kernel.lanes[0]?.counters as Float64Array;
    expect(counters[Counter.TX_SENDTOS]).toBe(3);
    expect(counters[Counter.TX_SENDTO_CONSUMED]).toBe(5);
  });

  it('kicks TX again in the same round until the kernel has taken what the round put on it, a budget a call', () => {
    const { kernel, pipeline, control } = played({ lanes: [{ workload: 'txonly' }] });
    sendFlatOut(control, kernel);
    // A kernel whose budget is 2 descriptors a call; the round puts a batch (4) on TX.
    kernel.onKick = (lane) => {
      kernel.takeTx(lane, 2);
    };
    expect(pipeline.round()).toBe(4);
    expect(kernel.calls).toEqual(['kickTx 10', 'kickTx 10']);
    expect(kernel.txOptions(0)).toEqual([]);
    const counters = kernel.lanes[0]?.counters as Float64Array;
    expect(counters[Counter.TX_SENDTOS]).toBe(2);
    expect(counters[Counter.TX_SENDTO_CONSUMED]).toBe(4);
  });

  it('never sleeps while the kernel still has frames on TX: it goes round and kicks again', () => {
    const { kernel, pipeline, control } = played({ lanes: [{ workload: 'txonly' }] });
    sendFlatOut(control, kernel);
    control[Control.SEND_REMAINING] = 4;
    let kicks = 0;
    kernel.onKick = (lane) => {
      if (++kicks === 3) kernel.transmit(lane);
    };
    pipeline.run();
    expect(kernel.calls).toEqual(['kickTx 10', 'kickTx 10', 'kickTx 10', 'awaitCommand 20']);
  });
});

describe('spinning through quiet spells', () => {
  /**
   * An rxdrop lane whose FILL refill moves frames for two rounds, then
   * nothing; its clock reads `startMs` at the first work round (the spell
   * from start-up to it), then moves 0.01 ms at each reading.
   */
  function runFrom(startMs: number) {
    const kernel = new PlayedKernel({ lanes: [{ workload: 'rxdrop' }] });
    kernel.spinWindowMs = 0.05;
    let t: number | null = null;
    const now = () => {
      t = t === null ? 0 : t === 0 ? startMs : t + 0.01;
      return t;
    };
    const pipeline = new FramePipeline(kernel.setup, kernel, { now });
    const rounds = vi.spyOn(pipeline, 'round');
    pipeline.run();
    const moved = rounds.mock.results.map((result) => result.value as number);
    return { calls: kernel.calls, moved, emptyRounds: moved.filter((frames) => frames === 0).length };
  }

  it('after a short spell, goes round empty for the spin window before it sleeps', () => {
    const { calls, moved, emptyRounds } = runFrom(0.01);
    expect(moved.slice(0, 2).every((frames) => frames > 0)).toBe(true);
    // 0.05 ms of rounds at 0.01 ms a reading, the last of which sleeps.
    expect(emptyRounds).toBeGreaterThanOrEqual(5);
    expect(calls).toEqual(['awaitReceive 10 20']);
  });

  it('after a spell longer than the window, sleeps at the next empty round: sparse traffic costs no spinning', () => {
    // The readings after the long spell are as close together as above: only the spell's length differs.
    const { calls, emptyRounds } = runFrom(1);
    expect(emptyRounds).toBe(2);
    expect(calls).toEqual(['awaitReceive 10 20']);
  });
});

/** A txonly lane with tokens for a burst: a millisecond at a million frames a second. */
function sendFlatOut(control: Int32Array, kernel: PlayedKernel): void {
  control[Control.RATE_PPS] = 1_000_000;
  control[Control.FRAME_LENGTH] = 60;
  control[Control.SEND_REMAINING] = -1;
  kernel.now = 1;
}
