import { XSKMAP_ENTRIES } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { indexFor, type Placement, placementProblems } from './steering-rules.ts';

const byQueue: Placement = {
  ifname: 'rs-app',
  kind: 'by-queue',
  mode: 'drv',
  placed: [{ socketId: 'xsk0', index: 0 }],
};
const fields = (problems: { field: string }[]) => problems.map((problem) => problem.field);

describe('where a socket sits in the XSKMAP', () => {
  it('sits at its queue under by-queue, at the lowest free index otherwise, or where it asked', () => {
    expect(indexFor('by-queue', { queueId: 3, requestedIndex: undefined }, [])).toBe(3);
    expect(indexFor('drop-half', { queueId: 3, requestedIndex: undefined }, [{ index: 0 }])).toBe(3);
    expect(indexFor('round-robin', { queueId: 3, requestedIndex: undefined }, [{ index: 0 }, { index: 2 }])).toBe(1);
    expect(indexFor('steer-by-port', { queueId: 3, requestedIndex: 7 }, [{ index: 7 }])).toBe(7);
  });

  it('refuses a second socket of a queue under by-queue, naming the programs that allow it', () => {
    const [problem] = placementProblems(byQueue, { queueId: 0, requestedIndex: undefined }, 'drv', []);
    expect(problem?.field).toBe('xskmapIndex');
    expect(problem?.message).toContain('need the round-robin or steer-by-port program');
    expect(placementProblems(byQueue, { queueId: 1, requestedIndex: undefined }, 'drv', [])).toEqual([]);
    const [dropHalf] = placementProblems(
      { ...byQueue, kind: 'drop-half' },
      { queueId: 0, requestedIndex: undefined },
      'drv',
      [],
    );
    expect(dropHalf?.message).toContain('the drop-half program sends queue 0 to XSKMAP index 0');
  });

  it('lets the socket that makes way keep its index, and refuses an index another socket holds', () => {
    expect(placementProblems(byQueue, { queueId: 0, requestedIndex: undefined }, 'drv', ['xsk0'])).toEqual([]);
    const roundRobin: Placement = { ...byQueue, kind: 'round-robin' };
    expect(placementProblems(roundRobin, { queueId: 1, requestedIndex: 0 }, 'drv', [])).toEqual([
      { field: 'xskmapIndex', message: 'XSKMAP index 0 already holds xsk0: choose another index' },
    ]);
  });

  it('keeps one XDP mode per interface while sockets are on it', () => {
    expect(fields(placementProblems(byQueue, { queueId: 1, requestedIndex: undefined }, 'skb', []))).toEqual([
      'xdpMode',
    ]);
    expect(placementProblems(byQueue, { queueId: 0, requestedIndex: undefined }, 'skb', ['xsk0'])).toEqual([]);
  });

  it('refuses an index past the end of the map, and leaves libxdp its own program', () => {
    const beyond = { queueId: 0, requestedIndex: XSKMAP_ENTRIES };
    expect(fields(placementProblems(byQueue, beyond, 'drv', []))).toEqual(['xskmapIndex']);
    expect(placementProblems({ ...byQueue, kind: 'libxdp-default' }, beyond, 'drv', [])).toEqual([]);
  });
});
