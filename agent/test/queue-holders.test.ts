import { readFileSync, readlinkSync } from 'node:fs';
import type { SocketConfig } from '@ringside/shared';
import { afterEach, expect, it } from 'vitest';
import { UmemGroup } from '../src/engine/umem-group.ts';
import { Lab } from '../src/lab/lab.ts';
import { FdHolder } from './fd-holder.ts';
import { describeKernel, everyStep } from './kernel.ts';

const UMEM = { frameCount: 512, frameSize: 2048, headroom: 0, fillSize: 256, completionSize: 256, unaligned: false };

function receiverOn(ifname: string): SocketConfig {
  const rings = { rxSize: 256, txSize: 0, batchSize: 32 };
  return { ifname, queueId: 0, ...rings, xdpMode: 'drv', copy: true, zeroCopy: false, needWakeup: true };
}

describeKernel('A queue kept bound by another process', () => {
  let lab: Lab | null = null;
  let group: UmemGroup | null = null;
  let holder: FdHolder | null = null;

  afterEach(async () => {
    await holder?.release();
    await group?.destroy();
    everyStep([() => lab?.destroy()]);
    holder = null;
    group = null;
    lab = null;
  });

  it('is waited for past a second, and when it is not let go the refusal names the process holding it', async () => {
    lab = Lab.create(1);
    const member = (id: string) => ({
      id,
      socket: receiverOn(lab?.appIfname ?? ''),
      placement: { namespacePath: lab?.appNamespacePath ?? null, inhibitProgramLoad: true },
      workload: 'rxdrop' as const,
    });
    const failOnWorkerError = (error: Error) => {
      throw error;
    };
    const first = UmemGroup.create('first-umem', UMEM, lab.appNamespacePath, failOnWorkerError);
    let inode = 0;
    try {
      const lane = await first.join(member('first'));
      // The lane keeps its socket's inode from the bind, the one /proc names: noted as the socket closes.
      expect(`socket:[${lane.inode}]`).toBe(readlinkSync(`/proc/self/fd/${lane.socket.fd}`));
      inode = lane.inode;
      // A duplicate of the socket's fd, in another process, as an attached agent holds one: closed here, it stays bound.
      holder = await FdHolder.hold(lane.socket.fd);
    } finally {
      await first.destroy();
    }
    group = UmemGroup.create('next-umem', UMEM, lab.appNamespacePath, failOnWorkerError);

    const refusal = await group.join(member('next')).then(
      () => null,
      (error: Error) => error,
    );
    // The holder's command as the kernel names it (node, nodejs, node22...).
    const command = readFileSync(`/proc/${holder.pid}/comm`, 'utf8').trim();
    expect(refusal?.message).toMatch(
      new RegExp(
        `queue 0 of ${lab.appIfname} is still bound to socket:\\[${inode}\\], kept alive by pid ${holder.pid} \\(${command}\\) fd ${holder.fd}: .*kill ${holder.pid}`,
      ),
    );

    // A holder that lets go later than the kernel's own release (more than a second after the bind began) is waited for.
    const joined = group.join(member('next'));
    const letGo = holder;
    setTimeout(() => void letGo.release(), 1500);
    const lane = await joined;
    expect(lane.socket.config.queueId).toBe(0);
  }, 60_000);
});
