import type { DiagnosisState, LabInfo, SnapshotMessage, TrafficInfo } from '@ringside/shared';
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
    const state = { ...LAB_STATE, traffic: null, lab: null };
    let kept: SnapshotMessage[] = [];
    for (let at = 0; at < DIAGNOSIS_WINDOW_MS; at += 250) kept = keepWindow(kept, receivedBy(at, at));
    expect(diagnoseAll(state, kept, kept.at(-1) as SnapshotMessage)).toEqual({});
    const now = receivedBy(DIAGNOSIS_WINDOW_MS, DIAGNOSIS_WINDOW_MS);
    kept = keepWindow(kept, now);
    expect(diagnoseAll(state, kept, now).xsk0?.verdict).toBe('receiving');
  });
});

/** xsk0 on the lab's app end, in a lab whose traffic source is as given. */
const LAB_STATE = {
  sockets: [labSocket('xsk0', 0, { xskmapIndex: 0 })],
  xdpPrograms: [labProgram('by-queue', [{ index: 0, socketId: 'xsk0' }])],
  attached: [],
};
const LAB: LabInfo = {
  appNamespace: 'ringside-1-0-app',
  peerNamespace: 'ringside-1-0-peer',
  appIfname: 'rs-app',
  peerIfname: 'rs-peer',
  queues: 2,
};
const source = (paused: boolean, ratePps = 10_000): TrafficInfo => ({
  ifname: 'rs-peer',
  paused,
  ratePps,
  frameSize: 128,
  queueIds: [0],
  destinationPorts: [9],
});

/** The diagnosis of xsk0 over a window in which it received `frames` in all. */
function diagnosisOf(state: DiagnosisState, frames: number, links = false) {
  const link = (readAt: number) => ({ ifname: 'rs-app', readAt, up: true, queues: [{ frames, drops: 0 }] });
  const before = {
    ...receivedBy(0, 0),
    ...(links ? { links: [{ ...link(0), queues: [{ frames: 0, drops: 0 }] }] } : {}),
  };
  const now = { ...receivedBy(DIAGNOSIS_WINDOW_MS, frames), ...(links ? { links: [link(DIAGNOSIS_WINDOW_MS)] } : {}) };
  return diagnoseAll(state, keepWindow(keepWindow([], before), now), now).xsk0;
}

describe('a lab socket that receives nothing while the lab’s source sends nothing', () => {
  it('says first that the source is paused, and how to resume it, rather than that no stage is at fault', () => {
    const diagnosis = diagnosisOf({ ...LAB_STATE, traffic: source(true), lab: LAB }, 0);
    expect(diagnosis?.verdict).toBe('quiet');
    expect(diagnosis?.line).toBe(
      "nothing received: the lab's traffic source is paused: resume it in the traffic controls (or press t)",
    );
  });

  it('takes the queue stage, which fails for want of frames, for no fault of its own', () => {
    const sending = diagnosisOf({ ...LAB_STATE, traffic: source(false), lab: LAB }, 0, true);
    expect(sending?.failing).toBe('queue');
    const paused = diagnosisOf({ ...LAB_STATE, traffic: source(true), lab: LAB }, 0, true);
    expect(paused).toMatchObject({ verdict: 'quiet', failing: null, blames: [] });
    expect(paused?.line).toMatch(/^nothing received: the lab's traffic source is paused/);
    expect(paused?.stages.find((finding) => finding.stage === 'queue')?.status).toBe('failing');
  });

  it('says so of a source sending at rate 0', () => {
    const diagnosis = diagnosisOf({ ...LAB_STATE, traffic: source(false, 0), lab: LAB }, 0);
    expect(diagnosis?.line).toMatch(/^nothing received: the lab's traffic source sends 0 frames\/s: raise its rate/);
  });

  it('leaves the source out while it sends, while frames arrive, and for a socket off the lab’s app end', () => {
    const sending = diagnosisOf({ ...LAB_STATE, traffic: source(false), lab: LAB }, 0);
    expect(sending?.line).toBe('nothing received, and no stage is at fault');
    const receiving = diagnosisOf({ ...LAB_STATE, traffic: source(true), lab: LAB }, 25_000);
    expect(receiving?.verdict).toBe('receiving');
    const elsewhere = diagnosisOf({ ...LAB_STATE, traffic: source(true), lab: { ...LAB, appIfname: 'rs-other' } }, 0);
    expect(elsewhere?.line).toBe('nothing received, and no stage is at fault');
  });

  it('leaves a socket without an RX ring to its own verdict: it only sends, whatever the source does', () => {
    const sendOnly = [labSocket('xsk0', 0, { rxSize: 0, xskmapIndex: 0 })];
    const diagnosis = diagnosisOf({ ...LAB_STATE, sockets: sendOnly, traffic: source(true), lab: LAB }, 0);
    expect(diagnosis?.line).not.toMatch(/traffic source/);
    expect(diagnosis?.line).toMatch(/only sends/);
  });

  it('still names a stage at fault that no traffic explains, after the source', () => {
    const diagnosis = diagnosisOf({ ...LAB_STATE, xdpPrograms: [], traffic: source(true), lab: LAB }, 0);
    expect(diagnosis?.verdict).toBe('failing');
    expect(diagnosis?.failing).toBe('program');
    expect(diagnosis?.line).toMatch(
      /^nothing received: the lab's traffic source is paused: .*; and an XDP program runs on rs-app: no/,
    );
  });
});

/** A snapshot at `at` in which xsk0 has received `frames` since the start. */
function receivedBy(at: number, frames: number): SnapshotMessage {
  return {
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
          rxPackets: frames,
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
          counts: {
            free: 0,
            fill: 0,
            'kernel-rx': 0,
            rx: 0,
            app: 0,
            tx: 0,
            'kernel-tx': 0,
            completion: 0,
            'other-socket': 0,
            'application-held': 0,
          },
          consumerLag: { fill: 0, tx: 0 },
          violations: [],
          consistent: true,
        },
        pausedStages: [],
      },
    ],
  };
}
