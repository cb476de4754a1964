import { describe, expect, it } from 'vitest';
import { type BindingCandidate, inferBinding } from './binding.ts';

const redirecting: BindingCandidate = { ifname: 'rs-app', programId: 41, xdpMode: 'drv', hasXskmap: true, rxQueues: 2 };
const plain: BindingCandidate = { ifname: 'eth0', programId: 7, xdpMode: 'skb', hasXskmap: false, rxQueues: 1 };

describe('where an XSK is bound, inferred from its namespace', () => {
  it('names the one interface whose XDP program redirects to an XSKMAP, and says it is inferred', () => {
    const binding = inferBinding([plain, redirecting], 'lab');
    expect(binding?.ifname).toMatchObject({ value: 'rs-app', source: 'netlink' });
    expect(binding?.ifname.note).toMatch(/^inferred: rs-app is the only interface of lab/);
    expect(binding?.xdpMode.value).toBe('drv');
    expect(binding?.xdpProgramId.value).toBe(41);
    // Two queues: which one is the socket's stays unknown.
    expect(binding?.queueId).toMatchObject({ value: null, source: 'unknown' });
  });

  it('names queue 0 when that interface has a single queue', () => {
    expect(inferBinding([{ ...redirecting, rxQueues: 1 }], 'lab')?.queueId).toMatchObject({
      value: 0,
      source: 'netlink',
    });
  });

  it('infers nothing from no such interface, or from two', () => {
    expect(inferBinding([plain], 'lab')).toBeNull();
    expect(inferBinding([], 'lab')).toBeNull();
    expect(inferBinding([redirecting, { ...redirecting, ifname: 'rs-other' }], 'lab')).toBeNull();
  });
});
