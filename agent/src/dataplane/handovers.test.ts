import { describe, expect, it } from 'vitest';
import { AppState, ledgerByte } from '../xsk/ledger.ts';
import { Counter, UmemControl } from './control.ts';
import { ExtraCopies, Handovers, Lane, Pair } from './handovers.ts';
import { ReceivedFrameInspection } from './inspection.ts';
import { PlayedKernel, type PlayedUmem } from './test-kernel.ts';

/** The hand-overs of a played UMEM, its lanes keeping what they receive when `keepsReceived`. */
function played(options: PlayedUmem, keepsReceived = false) {
  const kernel = new PlayedKernel(options);
  const { setup } = kernel;
  const pairs = setup.pairs.map((pair) => new Pair(pair));
  const lanes = setup.lanes.map(
    (lane) =>
      new Lane(
        lane,
        pairs[lane.pair] as Pair,
        lane.workload !== 'txonly',
        keepsReceived,
        new ReceivedFrameInspection(setup.umem, lane.control, lane.counters, lane.capture),
      ),
  );
  const handovers = new Handovers(setup, pairs, lanes, kernel, new ExtraCopies());
  return { kernel, handovers, pair: pairs[0] as Pair, lane: lanes[0] as Lane };
}

describe('the hand-overs of one UMEM, each a ledger transition', () => {
  it('free → FILL: a refill gives one batch to FILL, each frame marked as given to the pair', () => {
    const { kernel, handovers, pair } = played({ lanes: [{ workload: 'rxdrop' }] });
    expect(handovers.refillFill(pair)).toBe(4);
    expect(kernel.counts()).toEqual({ free: 28, fill: 4 });
    const given = kernel.setup.ledger.filter((byte) => byte === ledgerByte(AppState.GIVEN_TO_FILL, 0));
    expect(given).toHaveLength(4);
  });

  it('FILL → kernel → RX → free: a drain gives received frames back to the pool', () => {
    const { kernel, handovers, pair, lane } = played({ lanes: [{ workload: 'rxdrop' }] });
    handovers.refillFill(pair);
    const taken = kernel.takeFill(0, 2);
    expect(kernel.counts()).toEqual({ free: 28, fill: 2, 'kernel-rx': 2 });
    kernel.deliver(0, taken, 100);
    expect(kernel.counts()).toEqual({ free: 28, fill: 2, rx: 2 });
    expect(handovers.drainRx(lane)).toBe(2);
    expect(kernel.counts()).toEqual({ free: 30, fill: 2 });
    expect(pair.givenToFill).toBe(2);
    expect(kernel.rx[0]?.memory.consumer[0]).toBe(2);
    expect(lane.counters[Counter.RX_PACKETS]).toBe(2);
    expect(lane.counters[Counter.RX_BYTES]).toBe(200);
  });

  it('RX → application → TX → kernel → COMPLETION → free, for a lane that keeps what it receives', () => {
    const { kernel, handovers, pair, lane } = played({ lanes: [{ workload: 'l2fwd' }] }, true);
    handovers.refillFill(pair);
    const received = kernel.receive(0, 2, 80);
    handovers.drainRx(lane);
    expect(kernel.counts()).toEqual({ free: 28, fill: 2, app: 2 });
    expect(lane.held.frames).toEqual([received[0], 80, received[1], 80]);
    expect(lane.held.options).toEqual([0, 0]);
    expect(kernel.setup.ledger[kernel.frameOf(received[0] as number)]).toBe(ledgerByte(AppState.PROCESSING, 0));

    expect(handovers.submitHeld(lane, 2)).toBe(2);
    expect(lane.held.count).toBe(0);
    expect(kernel.counts()).toEqual({ free: 28, fill: 2, tx: 2 });
    const sent = kernel.takeTx(0);
    expect(sent).toEqual(received.map((address) => ({ address, length: 80 })));
    expect(kernel.counts()).toEqual({ free: 28, fill: 2, 'kernel-tx': 2 });
    kernel.complete(0, [sent[1]?.address as number, sent[0]?.address as number]);
    expect(kernel.counts()).toEqual({ free: 28, fill: 2, completion: 2 });
    expect(handovers.reapCompletion(pair)).toBe(2);
    expect(kernel.counts()).toEqual({ free: 30, fill: 2 });
    expect(handovers.free.slice(-2)).toEqual([received[1], received[0]]);
    expect(lane.counters[Counter.TX_PACKETS]).toBe(2);
    expect(lane.counters[Counter.TX_BYTES]).toBe(160);
    expect(lane.counters[Counter.COMPLETED]).toBe(2);
  });

  it('keeps FILL at the pair’s share and refills only what came back', () => {
    const { kernel, handovers, pair, lane } = played({ frameCount: 8, ringSize: 16, lanes: [{ workload: 'rxdrop' }] });
    while (handovers.refillFill(pair) > 0);
    expect(kernel.counts()).toEqual({ fill: 8 });
    kernel.receive(0, 3);
    handovers.drainRx(lane);
    expect(handovers.refillFill(pair)).toBe(3);
    expect(handovers.refillFill(pair)).toBe(0);
  });

  it('a pair whose only receiver sends gets half its share of FILL, as the spec advises for tx-only sockets', () => {
    expect(played({ lanes: [{ workload: 'txonly', rx: true }] }).pair.fillTarget).toBe(16);
    expect(played({ lanes: [{ workload: 'txonly' }] }).pair.fillTarget).toBe(0);
    expect(played({ lanes: [{ workload: 'rxdrop' }] }).pair.fillTarget).toBe(32);
  });

  it('an address on COMPLETION that is no frame of the UMEM frees nothing and counts as foreign', () => {
    const { kernel, handovers, pair, lane } = played({ lanes: [{ workload: 'txonly' }] });
    kernel.complete(0, [kernel.setup.umem.byteLength + 2048]);
    expect(handovers.reapCompletion(pair)).toBe(1);
    expect(handovers.free).toHaveLength(32);
    expect(lane.counters[Counter.FOREIGN_COMPLETIONS]).toBe(1);
    expect(lane.counters[Counter.COMPLETED]).toBe(1);
  });

  it('never pools a frame twice: one the ledger already has free stays out of the pool when it comes back', () => {
    const { kernel, handovers, pair } = played({ lanes: [{ workload: 'txonly' }] });
    kernel.complete(0, [5 * 2048]);
    handovers.reapCompletion(pair);
    expect(handovers.free.filter((address) => address === 5 * 2048)).toHaveLength(1);
  });

  it('a new worker adopts the ledger: frames being processed are free again, FILL’s stay given', () => {
    const ledger = [ledgerByte(AppState.GIVEN_TO_FILL, 0), ledgerByte(AppState.PROCESSING, 0), AppState.FREE];
    const { kernel, handovers, pair } = played({ frameCount: 3, lanes: [{ workload: 'rxdrop' }], ledger });
    expect(handovers.free.sort()).toEqual([2048, 4096]);
    expect(kernel.setup.ledger[1]).toBe(AppState.FREE);
    expect(pair.givenToFill).toBe(1);
  });

  it('writes the ledger only inside a seqlock window, and leaves the generation even', () => {
    const { kernel, handovers, pair, lane } = played({ lanes: [{ workload: 'l2fwd' }] }, true);
    const ledger = kernel.setup.ledger;
    const odd: boolean[] = [];
    // Every ledger store the hand-overs make goes through this trap, which reads the generation at that moment.
    Object.defineProperty(handovers, 'ledger', {
      value: new Proxy(ledger, {
        set: (target, key, value) => {
          odd.push((kernel.generation & 1) === 1);
          return Reflect.set(target, key, value);
        },
        get: (target, key) => Reflect.get(target, key),
      }),
    });
    const before = kernel.generation;
    handovers.refillFill(pair);
    kernel.receive(0, 4);
    handovers.drainRx(lane);
    handovers.submitHeld(lane, 4);
    kernel.transmit(0);
    handovers.reapCompletion(pair);
    expect(odd).toHaveLength(16);
    expect(odd.every(Boolean)).toBe(true);
    expect(kernel.generation - before).toBe(8);
    expect(Atomics.load(kernel.setup.control, UmemControl.GENERATION) & 1).toBe(0);
  });
});

describe('a UMEM shared by several sockets', () => {
  it('credits each completion to the socket that sent the frame, on their shared COMPLETION ring', () => {
    const { kernel, handovers, pair } = played({ lanes: [{ workload: 'txonly' }, { workload: 'txonly' }] });
    const [first, second] = handovers.lanes as [Lane, Lane];
    handovers.submitTx(first, [0, 64, 2048, 64], 2);
    handovers.submitTx(second, [4096, 64], 1);
    kernel.complete(
      0,
      [...kernel.takeTx(1), ...kernel.takeTx(0)].map((frame) => frame.address),
    );
    expect(handovers.reapCompletion(pair)).toBe(3);
    expect(first.counters[Counter.COMPLETED]).toBe(2);
    expect(second.counters[Counter.COMPLETED]).toBe(1);
  });

  it('finds the chunk of an address for any chunk size, and none of this UMEM for one past 2^32', () => {
    for (const frameSize of [2048, 4096, 3000]) {
      const { handovers } = played({ frameSize, lanes: [{ workload: 'txonly' }] });
      for (const address of [0, 1, frameSize - 1, frameSize, 5 * frameSize + 7, 31 * frameSize + frameSize - 1])
        expect(handovers.frameOf(address)).toBe(Math.floor(address / frameSize));
      // The kernel hands back foreign TX addresses too (reapCompletion): a shift of the low word would alias them.
      expect(handovers.frameOf(2 ** 32 + frameSize)).toBe(Math.floor((2 ** 32 + frameSize) / frameSize));
      expect(handovers.frameOf(2 ** 32)).toBeGreaterThanOrEqual(handovers.frameCount);
      // The last address a shift takes: its low word is all ones, read unsigned.
      expect(handovers.frameOf(2 ** 32 - 1)).toBe(Math.floor((2 ** 32 - 1) / frameSize));
    }
  });

  it('gives each receiving pair an equal share of the frames, marked with the pair that holds them', () => {
    const { kernel, handovers } = played({
      ringSize: 32,
      pairs: 2,
      lanes: [{ workload: 'rxdrop' }, { workload: 'rxdrop', pair: 1 }],
    });
    const [zero, one] = handovers.pairs as [Pair, Pair];
    while (handovers.refillFill(zero) + handovers.refillFill(one) > 0);
    expect(kernel.counts()).toEqual({ fill: 32 });
    const holders = kernel.owners().holders;
    expect(holders.filter((holder) => holder === 0)).toHaveLength(16);
    expect(holders.filter((holder) => holder === 1)).toHaveLength(16);
  });
});

describe('the doorbells', () => {
  it('kicks TX while it holds frames, whatever its flag, when need_wakeup is off', () => {
    const { kernel, handovers, lane } = played({ lanes: [{ workload: 'txonly' }] });
    handovers.kick(lane);
    expect(kernel.calls).toEqual([]);
    handovers.submitTx(lane, [0, 64], 1);
    handovers.kick(lane);
    expect(kernel.calls).toEqual(['kickTx 10']);
    expect(lane.counters[Counter.WAKEUPS]).toBe(1);
  });

  it('with need_wakeup, kicks TX and wakes RX only when the kernel sets the ring’s flag', () => {
    const { kernel, handovers, lane } = played({ lanes: [{ workload: 'l2fwd', needWakeup: true }] });
    handovers.submitTx(lane, [0, 64], 1);
    handovers.kick(lane);
    expect(kernel.calls).toEqual([]);
    (kernel.tx[0]?.memory.flags as Uint32Array)[0] = 1;
    (kernel.fill[0]?.memory.flags as Uint32Array)[0] = 1;
    handovers.kick(lane);
    expect(kernel.calls).toEqual(['kickTx 10', 'wakeRx 10']);
  });

  /** A txonly lane with four frames submitted to TX, whose kernel takes two a kick. */
  const fourOnTx = (needWakeup: boolean) => {
    const built = played({ lanes: [{ workload: 'txonly', needWakeup }] });
    built.kernel.onKick = (slot) => built.kernel.takeTx(slot, 2);
    built.handovers.submitTx(built.lane, [0, 64, 2048, 64, 4096, 64, 6144, 64], 4);
    return built;
  };

  it('with need_wakeup, stops kicking TX in the round once the kernel clears the flag, whatever is left on TX', () => {
    /** The flag set; each kick takes 2 and may clear the flag. */
    const kickedFour = (clearsFlag: boolean) => {
      const { kernel, handovers, lane } = fourOnTx(true);
      const flags = kernel.tx[0]?.memory.flags as Uint32Array;
      flags[0] = 1;
      kernel.onKick = (slot) => {
        kernel.takeTx(slot, 2);
        if (clearsFlag) flags[0] = 0;
      };
      handovers.kick(lane);
      return { kicks: kernel.calls, left: kernel.txOptions(0).length };
    };
    // The kernel says it needs no more kicks (a zero-copy driver would carry on alone): one kick, 2 left.
    expect(kickedFour(true)).toEqual({ kicks: ['kickTx 10'], left: 2 });
    // The flag left set: the round kicks until the kernel has taken all it put there.
    expect(kickedFour(false)).toEqual({ kicks: ['kickTx 10', 'kickTx 10'], left: 0 });
  });

  it('counts each sendto before what it took, so the pair never shows more taken than the calls allow', () => {
    const { handovers, lane } = fourOnTx(false);
    // The observer reads these counters while kicks write them: every state between two writes is one it may see.
    const seen: [sendtos: number, taken: number][] = [];
    (lane as { counters: Float64Array }).counters = new Proxy(lane.counters, {
      set(counters, index, value) {
        counters[Number(index)] = value;
        seen.push([counters[Counter.TX_SENDTOS] as number, counters[Counter.TX_SENDTO_CONSUMED] as number]);
        return true;
      },
    });
    handovers.kick(lane);
    expect(seen.at(-1)).toEqual([2, 4]);
    expect(seen.filter(([sendtos, taken]) => taken > 2 * sendtos)).toEqual([]);
  });
});
