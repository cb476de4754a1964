import { closeSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ManagedSocket } from '../src/engine/managed-socket.ts';
import { Lab } from '../src/lab/lab.ts';
import { TrafficSource } from '../src/lab/traffic-source.ts';
import { XskSocket } from '../src/xsk/socket.ts';
import { describeKernel, vethStatistic, waitFor } from './kernel.ts';
import { fillIsFull, startLabSocket, TEST_UMEM } from './lab-sockets.ts';

describeKernel('an XDP program loaded apart from the socket, and its XSKMAP', () => {
  let lab: Lab;
  let source: TrafficSource;
  let socket: ManagedSocket | null = null;

  beforeEach(async () => {
    lab = Lab.create(1);
    source = await TrafficSource.start(lab, { ratePps: 5000, frameLength: 128, paused: true, queueId: 0 }, () => {});
  });

  afterEach(async () => {
    await socket?.destroy();
    socket = null;
    await source?.stop();
    lab?.destroy();
  });

  it('a socket missing from the XSKMAP receives nothing; inserted at its queue, it receives', async () => {
    // Socket created without libxdp loading a program: the spec's "load your own program" path.
    socket = await startLabSocket(lab, 'rxdrop', { socket: { txSize: 0 }, inhibitProgramLoad: true });
    await fillIsFull(socket, TEST_UMEM.fillSize);
    const mapFd = XskSocket.loadDefaultProgram(lab.appIfname, lab.appNamespacePath);
    try {
      source.sendExactly(200);
      // The default program passes frames to the stack when the queue's entry is empty: once XDP has
      // seen all 200, the kernel has redirected none of them.
      await waitFor(() => vethStatistic(lab, 'rx_queue_0_xdp_packets') >= 200, 20_000, 'XDP to see 200 frames');
      expect(vethStatistic(lab, 'rx_queue_0_xdp_redirect')).toBe(0);
      expect(socket.observe().totals.rxPackets).toBe(0);

      socket.socket.insertIntoXskmap(mapFd);
      source.sendExactly(200);
      await waitFor(() => socket?.observe().totals.rxPackets === 200, 20_000, '200 frames after insertion');
    } finally {
      closeSync(mapFd);
    }
  });
});
