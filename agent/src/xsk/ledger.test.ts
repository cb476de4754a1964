import { describe, expect, it } from 'vitest';
import { AppState, deriveOwners, laneView, ledgerByte, type RingContents } from './ledger.ts';

const states = (...values: number[]) => Uint8Array.from(values);
const ring = (...frames: number[]) => ({ frames });

/** The common case: one socket (lane 0) on its UMEM's own pair (pair 0). */
function oneSocket(rings: {
  appStates: Uint8Array;
  fill: RingContents;
  rx: RingContents | null;
  tx: RingContents | null;
  completion: RingContents;
}) {
  return deriveOwners({
    appStates: rings.appStates,
    pairs: [{ slot: 0, fill: rings.fill, completion: rings.completion }],
    lanes: [{ slot: 0, pair: 0, rx: rings.rx, tx: rings.tx }],
  });
}

describe('the UMEM ownership ledger', () => {
  it('splits frames given to FILL into FILL, kernel and RX by the ring contents', () => {
    const view = oneSocket({
      appStates: states(
        AppState.GIVEN_TO_FILL,
        AppState.GIVEN_TO_FILL,
        AppState.GIVEN_TO_FILL,
        AppState.FREE,
        AppState.PROCESSING,
      ),
      fill: ring(0),
      rx: ring(2),
      tx: ring(),
      completion: ring(),
    });
    expect(Array.from(view.owners)).toEqual([1, 2, 3, 0, 4]);
    expect(view.counts).toMatchObject({ fill: 1, 'kernel-rx': 1, rx: 1, free: 1, app: 1 });
    expect(view.violations).toEqual([]);
  });

  it('splits frames given to TX into TX, kernel and COMPLETION', () => {
    const view = oneSocket({
      appStates: states(AppState.GIVEN_TO_TX, AppState.GIVEN_TO_TX, AppState.GIVEN_TO_TX),
      fill: ring(),
      rx: null,
      tx: ring(2),
      completion: ring(0),
    });
    expect(view.counts).toMatchObject({ tx: 1, 'kernel-tx': 1, completion: 1 });
    expect(Object.values(view.counts).reduce((a, b) => a + b)).toBe(3);
  });

  it('counts a frame listed in TX and COMPLETION once, downstream, as the kernel lagging on TX consumer', () => {
    const view = oneSocket({
      appStates: states(AppState.GIVEN_TO_TX, AppState.GIVEN_TO_TX),
      fill: ring(),
      rx: null,
      tx: ring(0, 1),
      completion: ring(0),
    });
    expect(view.violations).toEqual([]);
    expect(view.consumerLag).toEqual({ fill: 0, tx: 1 });
    expect(view.counts).toMatchObject({ tx: 1, completion: 1 });
  });

  it('reports a frame fed to FILL and TX at once: the corruption the spec FAQ warns of', () => {
    const view = oneSocket({
      appStates: states(AppState.GIVEN_TO_FILL, AppState.FREE),
      fill: ring(0),
      rx: ring(),
      tx: ring(0),
      completion: ring(),
    });
    expect(view.violations).toEqual(['frame 0 is in tx and in fill at once']);
  });

  it('reports a frame in a ring the application never gave it to', () => {
    const view = oneSocket({
      appStates: states(AppState.FREE),
      fill: ring(0),
      rx: ring(),
      tx: ring(),
      completion: ring(),
    });
    expect(view.violations).toEqual(['frame 0 is in fill but the application last kept it free']);
  });

  describe('on a UMEM shared by several sockets', () => {
    // Lanes 0 and 1 share pair 0 (one queue); lane 2 has pair 1 (another queue).
    const shared = (
      appStates: Uint8Array,
      rings: { fill0?: number[]; fill1?: number[]; rx0?: number[]; rx1?: number[]; rx2?: number[]; tx1?: number[] },
    ) =>
      deriveOwners({
        appStates,
        pairs: [
          { slot: 0, fill: ring(...(rings.fill0 ?? [])), completion: ring() },
          { slot: 1, fill: ring(...(rings.fill1 ?? [])), completion: ring() },
        ],
        lanes: [
          { slot: 0, pair: 0, rx: ring(...(rings.rx0 ?? [])), tx: null },
          { slot: 1, pair: 0, rx: ring(...(rings.rx1 ?? [])), tx: ring(...(rings.tx1 ?? [])) },
          { slot: 2, pair: 1, rx: ring(...(rings.rx2 ?? [])), tx: null },
        ],
      });

    it('names the pair or socket holding each frame, also where only the kernel has it', () => {
      const view = shared(
        states(
          ledgerByte(AppState.GIVEN_TO_FILL, 0),
          ledgerByte(AppState.GIVEN_TO_FILL, 1),
          ledgerByte(AppState.GIVEN_TO_FILL, 0),
          ledgerByte(AppState.GIVEN_TO_TX, 1),
          ledgerByte(AppState.PROCESSING, 2),
        ),
        { fill0: [0], rx2: [1] },
      );
      expect(view.violations).toEqual([]);
      expect(Array.from(view.owners)).toEqual([1, 3, 2, 6, 4]);
      expect(Array.from(view.holders)).toEqual([0, 2, 0, 1, 2]);
    });

    it("reports a frame given to one queue's FILL that arrives on a socket of another queue", () => {
      const view = shared(states(ledgerByte(AppState.GIVEN_TO_FILL, 0)), { rx2: [0] });
      expect(view.violations).toEqual(['frame 0 is in rx of socket lane 2 but was given to another']);
    });

    it("shows each socket the frames of its own rings and its pair's, and the rest as other-socket", () => {
      const view = shared(
        states(
          ledgerByte(AppState.GIVEN_TO_FILL, 0),
          ledgerByte(AppState.GIVEN_TO_FILL, 0),
          ledgerByte(AppState.GIVEN_TO_FILL, 1),
          AppState.FREE,
        ),
        { fill0: [0], rx1: [1], fill1: [2] },
      );
      const lane0 = laneView(view, { slot: 0, pair: 0 });
      expect(lane0.counts).toMatchObject({ fill: 1, rx: 0, free: 1, 'other-socket': 2 });
      const lane1 = laneView(view, { slot: 1, pair: 0 });
      expect(lane1.counts).toMatchObject({ fill: 1, rx: 1, free: 1, 'other-socket': 1 });
      const lane2 = laneView(view, { slot: 2, pair: 1 });
      expect(lane2.counts).toMatchObject({ fill: 1, free: 1, 'other-socket': 2 });
    });
  });
});
