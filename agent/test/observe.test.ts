import { type ChildProcess, spawn } from 'node:child_process';
import { ringOccupancy, type Workload } from '@ringside/shared';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { ManagedSocket } from '../src/engine/managed-socket.ts';
import { Lab } from '../src/lab/lab.ts';
import { TrafficSource } from '../src/lab/traffic-source.ts';
import { observeAll } from '../src/observe/socket-observer.ts';
import { Sampler } from '../src/sampler/sampler.ts';
import { AgentMetrics } from '../src/server/metrics.ts';
import { describeKernel, sendInRounds, waitFor } from './kernel.ts';
import { expectLedgerHolds, fillIsFull, startLabSocket, TEST_UMEM } from './lab-sockets.ts';

const noop = () => {};
/** Far beyond what the source reaches on this machine: it sends as fast as it can. */
const FLAT_OUT_PPS = 5_000_000;
const READINGS = 300;

describeKernel('observations while the data plane is saturated and a core is taken', () => {
  let hog: ChildProcess;
  let lab: Lab;
  let source: TrafficSource;
  let socket: ManagedSocket | null = null;

  beforeAll(() => {
    // Another process keeps a core busy: the data-plane worker gets preempted, mid-batch too.
    hog = spawn('taskset', ['-c', '0', 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
  });

  afterAll(() => {
    hog.kill('SIGKILL');
  });

  beforeEach(async () => {
    lab = Lab.create(1);
    source = await TrafficSource.start(lab, { ratePps: FLAT_OUT_PPS, frameLength: 64, paused: true, queueId: 0 }, noop);
  });

  afterEach(async () => {
    await socket?.destroy();
    socket = null;
    await source?.stop();
    lab?.destroy();
  });

  it.each<Workload>(['l2fwd', 'rxdrop'])(
    `every one of ${READINGS} readings is consistent and counts every frame once while %s runs flat out`,
    async (workload) => {
      socket = await startLabSocket(lab, workload);
      source.resume();
      const running = socket;
      await waitFor(() => running.observe().totals.rxPackets > 10_000, 10_000, 'the data plane under load');
      const before = running.observe().totals.rxPackets;
      const inconsistent: number[] = [];
      for (let reading = 0; reading < READINGS; reading++) {
        const observation = await running.observer.observeInDetail();
        if (observation.consistent) expectLedgerHolds(observation, TEST_UMEM.frameCount);
        else inconsistent.push(reading);
        // Spread the readings over the run, so that they meet the worker at every point of its loop.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(inconsistent).toEqual([]);
      expect(running.observe().totals.rxPackets - before).toBeGreaterThan(READINGS);
    },
  );

  it('a metrics scrape and a snapshot of a still socket show the same rings and counters', async () => {
    socket = await startLabSocket(lab, 'rxdrop');
    await fillIsFull(socket, TEST_UMEM.fillSize);
    source.setRate(20_000);
    const still = socket;
    // In rounds half of FILL: a worker starved by the hog for longer than one
    // ring's worth of frames would otherwise let the kernel drop some, and the
    // count would never reach 5000 (seen under a second hog and load 22).
    await sendInRounds(
      5000,
      TEST_UMEM.fillSize / 2,
      (count) => source.sendExactly(count),
      () => still.observe().totals.rxPackets,
      'frames received',
    );
    // Still means refilled too: a frame is counted as it leaves RX, and goes back on FILL later in the round.
    await fillIsFull(still, TEST_UMEM.fillSize);
    const sampler = new Sampler(
      () => [still],
      () => source,
    );
    const labels = { pid: 1, command: 'ringside', interface: null, queue: null, umem: null };
    const metrics = new AgentMetrics({
      // As the agent answers a scrape.
      sockets: async () =>
        (await observeAll(() => [still])).map(({ socket, observation }) => ({ id: socket.id, labels, observation })),
      clients: () => 0,
      programs: () => [],
    });
    const { snapshot } = await sampler.sample();
    const scrape = (await metrics.render()).body;
    const sample = snapshot.sockets[0];
    expect(sample?.totals?.rxPackets).toBe(5000);
    const series = `socket="${still.id}",pid="1",command="ringside"`;
    expect(scrape).toContain(`ringside_rx_packets_total{${series}} ${sample?.totals?.rxPackets}`);
    for (const ring of ['fill', 'rx', 'completion'] as const) {
      const state = sample?.rings[ring];
      expect(scrape).toContain(`ringside_ring_entries{${series},ring="${ring}"} ${state ? ringOccupancy(state) : -1}`);
    }
  });
});
