import { emptyOwnerCounts, type SnapshotMessage } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { DIAGNOSIS_WINDOW_MS, diagnoseAll, keepWindow } from './diagnoses.ts';
import { labProgram, labSocket } from './test-fixtures.ts';

const snapshotAt = (sampledAt: number): SnapshotMessage => ({
  type: 'snapshot',
  seq: sampledAt,
  sampledAt,
  sockets: [],
  traffic: null,
  programs: [],
});

/** The snapshots kept after one every `ms` up to `until`, and the time of the last one given. */
function keepEvery(ms: number, until: number): { kept: SnapshotMessage[]; last: number } {
  let kept: SnapshotMessage[] = [];
  let last = 0;
  for (let at = 0; at <= until; at += ms) {
    kept = keepWindow(kept, snapshotAt(at));
    last = at;
  }
  return { kept, last };
}

describe('the window of snapshots a diagnosis compares', () => {
  it('keeps one snapshot per quarter second, reaching just past the window', () => {
    const { kept, last } = keepEvery(1000 / 60, 10_000);
    const oldest = kept[0] as SnapshotMessage;
    expect(last - oldest.sampledAt).toBeGreaterThanOrEqual(DIAGNOSIS_WINDOW_MS);
    expect(last - oldest.sampledAt).toBeLessThan(DIAGNOSIS_WINDOW_MS + 500);
    expect(kept.length).toBeLessThanOrEqual(DIAGNOSIS_WINDOW_MS / 250 + 3);
  });

  it('starts again when the clock goes back', () => {
    const kept = keepWindow(keepEvery(100, 5000).kept, snapshotAt(10));
    expect(kept.map((snapshot) => snapshot.sampledAt)).toEqual([10]);
  });

  it('diagnoses nothing until the window is covered, then every socket of the state', () => {
    const state = {
      sockets: [labSocket('xsk0', 0, { xskmapIndex: 0 })],
      xdpPrograms: [labProgram('by-queue', [{ index: 0, socketId: 'xsk0' }])],
      traffic: null,
      attached: [],
      lab: null,
    };
    const sample = (at: number) => ({
      ...snapshotAt(at),
      sockets: [
        {
          socketId: 'xsk0',
          rings: { fill: null, rx: null, tx: null, completion: null },
          stats: {
            rxDropped: 0,
            rxInvalidDescs: 0,
            txInvalidDescs: 0,
            rxRingFull: 0,
            rxFillRingEmptyDescs: 0,
            txRingEmptyDescs: 0,
          },
          totals: {
            rxPackets: at,
            rxBytes: 0,
            txPackets: 0,
            txBytes: 0,
            completed: 0,
            wakeups: 0,
            idleWaits: 0,
            busyPolls: 0,
            txSendtos: 0,
            txSendtoConsumed: 0,
          },
          rates: { rxPps: 0, rxBps: 0, txPps: 0, txBps: 0 },
          ledger: {
            counts: emptyOwnerCounts(),
            consumerLag: { fill: 0, tx: 0 },
            violations: [],
            consistent: true,
          },
          pausedStages: [],
        },
      ],
    });
    let kept: SnapshotMessage[] = [];
    for (let at = 0; at < DIAGNOSIS_WINDOW_MS; at += 250) kept = keepWindow(kept, sample(at));
    expect(diagnoseAll(state, kept, kept.at(-1) as SnapshotMessage)).toEqual({});
    const now = sample(DIAGNOSIS_WINDOW_MS);
    kept = keepWindow(kept, now);
    expect(diagnoseAll(state, kept, now).xsk0?.verdict).toBe('receiving');
  });
});
