import { describe, expect, it } from 'vitest';
import { firstSocket } from './first-socket.ts';

describe("the first socket's workload", () => {
  it('is rxdrop in the lab unless another is asked for, with nothing to warn of', () => {
    expect(firstSocket({ iface: null, queue: 0, workload: undefined })).toEqual({
      ok: true,
      workload: 'rxdrop',
      warning: null,
    });
    expect(firstSocket({ iface: null, queue: 0, workload: 'l2fwd' })).toMatchObject({ ok: true, workload: 'l2fwd' });
  });

  it('must be named on a real interface: no socket that takes its frames is opened by default', () => {
    const decision = firstSocket({ iface: 'eth0', queue: 3, workload: undefined });
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.problem).toContain('--iface eth0 needs --workload');
    expect(decision.problem).toContain('queue 3 of eth0');
  });

  it('on a real interface, warns naming the queue whose frames the kernel stack loses', () => {
    for (const workload of ['rxdrop', 'txonly', 'l2fwd']) {
      const decision = firstSocket({ iface: 'eth1', queue: 2, workload });
      expect(decision).toMatchObject({ ok: true, workload });
      if (!decision.ok) return;
      expect(decision.warning).toMatch(
        new RegExp(`^${workload} on queue 2 of eth1: .*never reaching the kernel stack`),
      );
    }
  });

  it('refuses a workload Ringside does not have, naming those it has', () => {
    expect(firstSocket({ iface: 'eth0', queue: 0, workload: 'drop' })).toEqual({
      ok: false,
      problem: "--workload must be one of rxdrop, txonly, l2fwd, not 'drop'.",
    });
  });
});
