import { describe, expect, it } from 'vitest';
import { explainBusyQueue } from './queue-holders.ts';

const OWN_PID = 100;

describe('explaining a queue still bound after the wait', () => {
  it('names every process holding the socket, this agent apart, and says how to free it', () => {
    const text = explainBusyQueue(
      'eth1',
      2,
      {
        known: true,
        inodes: [555],
        holders: [
          { pid: 4242, fd: 9, inode: 555, command: 'node' },
          { pid: OWN_PID, fd: 31, inode: 555, command: 'node' },
        ],
      },
      OWN_PID,
    );
    expect(text).toBe(
      'queue 2 of eth1 is still bound to socket:[555], kept alive by pid 4242 (node) fd 9, pid 100 (this agent) fd 31: the kernel frees a queue only when every fd of its socket and every mapping of its rings is closed. Another Ringside agent watching the socket lets go once it sees the owner close it; any other holder must close it or stop (kill 4242), then try again',
    );
  });

  it('points at ring mappings when no process holds the socket by fd', () => {
    const text = explainBusyQueue('eth1', 0, { known: true, inodes: [7], holders: [] }, OWN_PID);
    expect(text).toMatch(
      /^queue 0 of eth1 is still bound to socket:\[7\], which no process holds by fd: .*\/proc\/\*\/maps/,
    );
  });

  it('says why the socket cannot be named, and where to look', () => {
    const text = explainBusyQueue('eth1', 0, { known: false, reason: 'the kernel has no xsk_diag' }, OWN_PID);
    expect(text).toMatch(/cannot name \(the kernel has no xsk_diag\): .*\/proc\/\*\/fd/);
  });

  it('says to try again when the queue was freed as the wait ended', () => {
    expect(explainBusyQueue('eth1', 0, { known: true, inodes: [], holders: [] }, OWN_PID)).toBe(
      'queue 0 of eth1 has just been freed: try again',
    );
  });
});
