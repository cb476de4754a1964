import {
  defaultSocketRequest,
  type Problem,
  type SocketRequest,
  type UmemLimits,
  validateSocket,
  validateUmem,
} from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { MAX_HOLDERS } from '../xsk/ledger.ts';
import {
  isRingsideCeiling,
  ownerLeavingProblem,
  type RunningSockets,
  sharingProblems,
  type UmemRecord,
} from './sharing-rules.ts';

const on = (queueId: number, changes: Partial<SocketRequest['socket']> = {}, umemId?: string): SocketRequest => {
  const request = defaultSocketRequest('rs-app', queueId);
  return { ...request, socket: { ...request.socket, ...changes }, ...(umemId ? { umemId } : {}) };
};

/** Sockets as [id, request, UMEM id]; a UMEM's owner is its first socket, and each queue it is on has a pair. */
function running(...sockets: [string, SocketRequest, string][]): RunningSockets {
  const umems = new Map<string, UmemRecord>();
  for (const [id, request, umemId] of sockets) {
    const umem = umems.get(umemId) ?? {
      id: umemId,
      config: request.umem,
      ownerId: id,
      socketIds: [],
      pairs: [],
    };
    const pair = umem.pairs.find((entry) => entry.queueId === request.socket.queueId);
    umems.set(umemId, {
      ...umem,
      socketIds: [...umem.socketIds, id],
      pairs: pair
        ? umem.pairs.map((entry) => (entry === pair ? { ...entry, socketIds: [...entry.socketIds, id] } : entry))
        : [...umem.pairs, { ifname: request.socket.ifname, queueId: request.socket.queueId, socketIds: [id] }],
    });
  }
  return {
    umems,
    sockets: new Map(sockets.map(([id, request, umemId]) => [id, { request, umemId }])),
  };
}

const fields = (problems: { field: string }[]) => problems.map((problem) => problem.field);

describe('sharing a UMEM', () => {
  const owner = running(['xsk0', on(0), 'u0']);

  it('allows a socket of its own on a free queue, and a sharing socket on the owner queue', () => {
    expect(sharingProblems(on(1), null, owner)).toEqual([]);
    expect(sharingProblems(on(0, {}, 'u0'), null, owner)).toEqual([]);
    expect(sharingProblems(on(1, {}, 'u0'), null, owner)).toEqual([]);
  });

  it('binds one UMEM per queue: a second UMEM on a taken queue is refused, naming the UMEM to share', () => {
    const [problem] = sharingProblems(on(0), null, owner);
    expect(problem?.field).toBe('queueId');
    expect(problem?.message).toContain('share it with umemId u0');
  });

  it('refuses a UMEM that does not exist, naming those that do', () => {
    expect(sharingProblems(on(1, {}, 'nope'), null, owner)).toEqual([
      { field: 'umemId', message: 'there is no UMEM nope: choose one of u0' },
    ]);
  });

  it('wants the UMEM configuration restated as it is', () => {
    const request = on(0, {}, 'u0');
    const other = { ...request, umem: { ...request.umem, headroom: 256 } };
    expect(fields(sharingProblems(other, null, owner))).toEqual(['umem']);
  });

  it("takes the owner's bind flags: copy, zero-copy and need_wakeup must match", () => {
    expect(fields(sharingProblems(on(0, { needWakeup: false }, 'u0'), null, owner))).toEqual(['needWakeup']);
    expect(fields(sharingProblems(on(0, { copy: false, zeroCopy: true }, 'u0'), null, owner))).toEqual([
      'copy',
      'zeroCopy',
    ]);
  });

  it("allows a second socket on a queue only on the owner's queue", () => {
    const across = running(['xsk0', on(0), 'u0'], ['xsk1', on(1, {}, 'u0'), 'u0']);
    const [problem] = sharingProblems(on(1, {}, 'u0'), null, across);
    expect(problem?.field).toBe('queueId');
    expect(problem?.message).toContain('only on the queue of its owner xsk0 (queue 0)');
    expect(sharingProblems(on(0, {}, 'u0'), null, across)).toEqual([]);
  });

  it('lets the socket being reconfigured keep its queue and its UMEM', () => {
    const shared = running(['xsk0', on(0), 'u0'], ['xsk1', on(1, {}, 'u0'), 'u0']);
    expect(sharingProblems(on(1, { batchSize: 32 }, 'u0'), 'xsk1', shared)).toEqual([]);
    expect(sharingProblems(on(0, { batchSize: 32 }), 'xsk0', owner)).toEqual([]);
  });

  it("refuses to share a UMEM with itself, and a shared UMEM's configuration change", () => {
    expect(sharingProblems(on(0, {}, 'u0'), 'xsk0', owner)[0]?.message).toBe(
      'xsk0 is the only socket on u0: reconfigure it without umemId',
    );
    const shared = running(['xsk0', on(0), 'u0'], ['xsk1', on(0, {}, 'u0'), 'u0']);
    const bigger = on(0);
    const [problem] = sharingProblems({ ...bigger, umem: { ...bigger.umem, frameCount: 8192 } }, 'xsk0', shared);
    expect(problem?.message).toBe(
      'u0 is shared by xsk0, xsk1: its configuration can change only once it has one socket',
    );
  });

  it(`stops at ${MAX_HOLDERS} sockets on one UMEM, Ringside's limit`, () => {
    const full = running(
      ['xsk0', on(0), 'u0'],
      ...Array.from({ length: MAX_HOLDERS - 1 }, (_, n): [string, SocketRequest, string] => [
        `xsk${n + 1}`,
        on(0, {}, 'u0'),
        'u0',
      ]),
    );
    expect(sharingProblems(on(0, {}, 'u0'), null, full)).toEqual([
      { field: 'umemId', message: `u0 already has ${MAX_HOLDERS} sockets, Ringside's limit` },
    ]);
    expect(sharingProblems(on(0, { batchSize: 8 }, 'u0'), 'xsk5', full)).toEqual([]);
  });
});

describe("a UMEM's owner", () => {
  it('may not go or move while others share its UMEM, and may once they are gone', () => {
    const shared = running(['xsk0', on(0), 'u0'], ['xsk1', on(0, {}, 'u0'), 'u0'], ['xsk2', on(0, {}, 'u0'), 'u0']);
    expect(ownerLeavingProblem('xsk0', 'destroy', shared)?.message).toBe(
      "xsk0 owns u0, which xsk1, xsk2 share: libxdp keeps the owner's socket bound until the UMEM goes, so destroy xsk1, xsk2 before you destroy xsk0",
    );
    expect(ownerLeavingProblem('xsk0', 'reconfigure', shared)?.message).toContain('before you reconfigure xsk0');
    expect(ownerLeavingProblem('xsk1', 'destroy', shared)).toBeNull();
    expect(ownerLeavingProblem('xsk0', 'destroy', running(['xsk0', on(0), 'u0']))).toBeNull();
  });
});

describe("Ringside's ceilings", () => {
  const limits: UmemLimits = {
    pageSize: 4096,
    alignedChunkSizes: [2048, 4096],
    unalignedChunkRange: { min: 2048, max: 65536 },
    maxHeadroom: {},
  };
  const problemsOf = (request: SocketRequest) => [
    ...validateUmem(request.umem, limits),
    ...validateSocket(request.socket, request.workload, null),
  ];

  it('tells a UMEM over 1 GiB, a ring over 65536 and a batch over 1024 from the kernel rules', () => {
    const request = on(0, { rxSize: 1 << 17, batchSize: 2048 });
    const big = { ...request, umem: { ...request.umem, frameCount: (1 << 18) + 1 } };
    const problems = problemsOf(big).filter((problem) => problem.field !== 'ifname');
    expect(fields(problems).sort()).toEqual(['batchSize', 'frameCount', 'rxSize']);
    expect(problems.every((problem) => isRingsideCeiling(problem, big))).toBe(true);
  });

  it('leaves the kernel rules to the kernel: a ring size that is no power of two is not a ceiling', () => {
    const request = on(0, { rxSize: 3000 });
    const [problem] = problemsOf(request).filter((entry) => entry.field === 'rxSize');
    expect(problem).toBeDefined();
    expect(isRingsideCeiling(problem as Problem, request)).toBe(false);
    expect(isRingsideCeiling({ field: 'ifname', message: '' }, request)).toBe(false);
  });
});
