import { describe, expect, it } from 'vitest';
import { discoveryChanges } from './attach-watch.ts';
import type { DiscoveredXsk } from './discovery.ts';
import { factsOf } from './xsk-facts.ts';

const { kernel, umem } = factsOf(
  {
    rings: {
      rx: { mappedBytes: 36864, descOffset: 320 },
      tx: { mappedBytes: 0, descOffset: 320 },
      fill: { mappedBytes: 20480, descOffset: 320 },
      completion: { mappedBytes: 20480, descOffset: 320 },
    },
    zeroCopy: false,
    pageSize: 4096,
    readAt: 0,
  },
  null,
  'no xsk_diag',
);

function xsk(pid: number, fd: number, inode: number): DiscoveredXsk {
  return {
    id: `${pid}-${fd}-${inode}`,
    pid,
    command: 'xdpsock',
    cmdline: ['xdpsock'],
    fd,
    inode,
    netns: { inode: 1, name: null },
    kernel,
    umem,
  };
}

describe('what one discovery changed', () => {
  it('reports sockets that came and went, by id', () => {
    const a = xsk(10, 3, 100);
    const b = xsk(10, 4, 101);
    const c = xsk(11, 3, 102);
    const changes = discoveryChanges(new Map([a, b].map((x) => [x.id, x])), [b, c]);
    expect(changes).toEqual({ added: [c], removed: [a], updated: [] });
  });

  it('takes an fd that now names another socket as one socket gone and another come', () => {
    const before = xsk(10, 3, 100);
    const rebound = xsk(10, 3, 200);
    const changes = discoveryChanges(new Map([[before.id, before]]), [rebound]);
    expect(changes).toEqual({ added: [rebound], removed: [before], updated: [] });
  });

  it('reports a listed socket whose facts were replaced as updated, and an unchanged one not at all', () => {
    const before = xsk(10, 3, 100);
    const known = new Map([[before.id, before]]);
    expect(discoveryChanges(known, [{ ...before }]).updated).toEqual([]);
    const inferred = { ...before, kernel: { ...kernel, ifname: { value: 'eth0', source: 'netlink' as const } } };
    expect(discoveryChanges(known, [inferred])).toEqual({ added: [], removed: [], updated: [inferred] });
  });
});
