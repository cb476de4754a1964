import { describe, expect, it } from 'vitest';
import { AppState, deriveOwners } from './ledger.ts';

const states = (...values: number[]) => Uint8Array.from(values);
const ring = (...frames: number[]) => ({ frames });

describe('the UMEM ownership ledger', () => {
  it('splits frames given to FILL into FILL, kernel and RX by the ring contents', () => {
    const view = deriveOwners({
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
    const view = deriveOwners({
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
    const view = deriveOwners({
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
    const view = deriveOwners({
      appStates: states(AppState.GIVEN_TO_FILL, AppState.FREE),
      fill: ring(0),
      rx: ring(),
      tx: ring(0),
      completion: ring(),
    });
    expect(view.violations).toEqual(['frame 0 is in tx and in fill at once']);
  });

  it('reports a frame in a ring the application never gave it to', () => {
    const view = deriveOwners({
      appStates: states(AppState.FREE),
      fill: ring(0),
      rx: ring(),
      tx: ring(),
      completion: ring(),
    });
    expect(view.violations).toEqual(['frame 0 is in fill but the application last kept it free']);
  });
});
