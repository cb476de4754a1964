import { ringOccupancy, type SocketConfig, type UmemConfig, type Workload } from '@ringside/shared';
import { expect } from 'vitest';
import { Engine, type EngineSetup } from '../src/engine/engine.ts';
import { ManagedSocket } from '../src/engine/managed-socket.ts';
import { describeInterface } from '../src/host/interfaces.ts';
import { probeKernelLimits } from '../src/host/kernel-limits.ts';
import { probeSocketFeatures } from '../src/host/socket-features.ts';
import type { Lab } from '../src/lab/lab.ts';
import { FRAME_TO_PEER, type TrafficSource } from '../src/lab/traffic-source.ts';
import { createLogger } from '../src/logger.ts';
import type { DetailedObservation } from '../src/observe/socket-observer.ts';
import { waitFor } from './kernel.ts';

export const TEST_UMEM: UmemConfig = {
  frameCount: 4096,
  frameSize: 2048,
  headroom: 0,
  fillSize: 2048,
  completionSize: 2048,
  unaligned: false,
};

export function testSocket(lab: Lab, overrides: Partial<SocketConfig> = {}): SocketConfig {
  return {
    ifname: lab.appIfname,
    queueId: 0,
    rxSize: 1024,
    txSize: 1024,
    xdpMode: 'drv',
    copy: true,
    zeroCopy: false,
    needWakeup: true,
    batchSize: 64,
    ...overrides,
  };
}

/** A socket on the lab's app end running `workload`; txonly sends test frames to the peer. */
export function startLabSocket(
  lab: Lab,
  workload: Workload,
  options: {
    umem?: Partial<UmemConfig>;
    socket?: Partial<SocketConfig>;
    setup?: (control: Int32Array) => void;
    /** Leave the XDP program to the test; by default only a socket without RX goes without one. */
    inhibitProgramLoad?: boolean;
  } = {},
): Promise<ManagedSocket> {
  const socket = testSocket(lab, options.socket);
  return ManagedSocket.start(
    {
      id: `test-${workload}`,
      umem: { ...TEST_UMEM, ...options.umem },
      socket,
      // A socket without an RX ring receives nothing and needs no XDP program.
      placement: {
        namespacePath: lab.appNamespacePath,
        inhibitProgramLoad: options.inhibitProgramLoad ?? socket.rxSize === 0,
      },
      workload,
      frame: FRAME_TO_PEER,
      ...(options.setup ? { setup: options.setup } : {}),
    },
    (error) => {
      throw error;
    },
  );
}

/** The pipeline fills FILL a batch at a time; scenarios that count frames start from a full FILL ring. */
export async function fillIsFull(socket: ManagedSocket, frames: number): Promise<void> {
  await waitFor(() => socket.observeInDetail().ledger.counts.fill === frames, 20_000, `FILL to hold ${frames} frames`);
}

/** An engine on the lab's app end, as the agent builds it, logging only what is fatal. */
export function labEngine(lab: Lab, watch: Pick<EngineSetup, 'onKernelMismatch'> = {}): Engine {
  return new Engine({
    ...watch,
    namespacePath: lab.appNamespacePath,
    limits: probeKernelLimits(),
    socketFeatures: probeSocketFeatures(),
    describeInterface: (ifname) => describeInterface(lab.appNamespace, ifname),
    frame: FRAME_TO_PEER,
    log: createLogger('fatal'),
  });
}

/** The ledger's promise: one owner per frame, and owners in a ring match that ring's occupancy. */
export function expectLedgerHolds(observation: DetailedObservation, frameCount: number): void {
  const { ledger, rings } = observation;
  expect(ledger.violations).toEqual([]);
  expect(Object.values(ledger.counts).reduce((a, b) => a + b)).toBe(frameCount);
  // The kernel publishes FILL's and TX's consumer after the batch: frames it already passed on count downstream.
  expect(ledger.counts.fill + ledger.consumerLag.fill).toBe(ringOccupancy(rings.fill));
  expect(ledger.counts.completion).toBe(ringOccupancy(rings.completion));
  expect(ledger.counts.rx).toBe(rings.rx ? ringOccupancy(rings.rx) : 0);
  expect(ledger.counts.tx + ledger.consumerLag.tx).toBe(rings.tx ? ringOccupancy(rings.tx) : 0);
}

/** The error `promise` is rejected with; a promise that resolves fails the test. */
export async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

/**
 * Sends `count` frames from the lab's source; resolves once the engine's socket `id` has counted them all. A socket
 * just created (or restored) may not have stocked FILL yet: it is given the time to hold `count` entries (or as many
 * as the ring has) first, or the kernel would drop what arrives for want of FILL entries.
 */
export async function receivesFrom(engine: Engine, source: TrafficSource, id: string, count = 500): Promise<void> {
  const fill = () => engine.get(id).observe().rings.fill;
  const stocked = Math.min(count, fill().size);
  await waitFor(() => ringOccupancy(fill()) >= stocked, 20_000, `FILL of ${id} to hold ${stocked} frames`);
  const before = engine.get(id).observe().totals.rxPackets;
  source.sendExactly(count);
  await waitFor(() => engine.get(id).observe().totals.rxPackets >= before + count, 20_000, `${count} frames on ${id}`);
}
