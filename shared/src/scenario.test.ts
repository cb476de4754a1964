import { describe, expect, it } from 'vitest';
import type { Observed } from './protocol.ts';
import { XDP_STATISTICS_FIELDS, XdpProgramKind } from './protocol.ts';
import { compareOutcome, describeBound, resolveTxTable, Scenario, ScenarioStep, within } from './scenario.ts';

const quiet = Object.fromEntries(
  XDP_STATISTICS_FIELDS.map((field) => [field, 0]),
) as Observed['sockets'][string]['stats'];

function observed(overrides: Partial<Observed['sockets'][string]> = {}): Observed {
  return {
    sockets: {
      tx: {
        received: 0,
        sent: 32,
        completed: 32,
        completedInvalid: 4,
        stats: { ...quiet, txInvalidDescs: 4, txRingEmptyDescs: 7 },
        rings: { fill: 0, rx: null, tx: 0, completion: 0 },
        ...overrides,
      },
    },
    source: { sent: 0, completed: 0, received: 32 },
    program: null,
  };
}

describe('compareOutcome', () => {
  it('finds nothing when every named number holds, and ignores what is not named', () => {
    expect(
      compareOutcome(
        { sockets: { tx: { sent: 32, completedInvalid: 4, stats: { txInvalidDescs: 4 } } }, source: { received: 32 } },
        observed(),
      ),
    ).toEqual([]);
  });

  it('names the path, the expected and the observed number of each that does not hold', () => {
    const upstream = { sockets: { tx: { completedInvalid: 0, stats: { txInvalidDescs: 4 } } } };
    expect(compareOutcome(upstream, observed())).toEqual([
      { path: 'sockets.tx.completedInvalid', expected: 0, observed: 4 },
    ]);
  });

  it('checks ranges at both ends', () => {
    const range = { sockets: { tx: { stats: { txRingEmptyDescs: { atLeast: 1, atMost: 6 } } } } };
    expect(compareOutcome(range, observed())).toEqual([
      { path: 'sockets.tx.stats.txRingEmptyDescs', expected: { atLeast: 1, atMost: 6 }, observed: 7 },
    ]);
    expect(within({ atLeast: 1 }, 7)).toBe(true);
    expect(describeBound({ atLeast: 1 })).toBe('≥ 1');
  });

  it('reports a socket, ring or program that was never read as observed null', () => {
    const findings = compareOutcome(
      { sockets: { gone: { received: 1 }, tx: { rings: { rx: 0 } } }, program: { redirected: 1 } },
      observed(),
    );
    expect(findings).toEqual([
      { path: 'sockets.gone.received', expected: 1, observed: null },
      { path: 'sockets.tx.rings.rx', expected: 0, observed: null },
      { path: 'program.redirected', expected: 1, observed: null },
    ]);
  });
});

describe('Scenario schema', () => {
  const valid = {
    name: 'SEND_RECEIVE',
    title: 't',
    explanation: { text: 'x', section: 'Usage' },
    setup: { sockets: [{ id: 'rx', workload: 'rxdrop', umem: { headroom: 'max' } }] },
    steps: [{ do: 'labTraffic', frames: 1, frameLength: 64 }],
    expect: { sockets: { rx: { received: 1, stats: { rxDropped: 0 } } } },
    upstream: { test: 'testapp_send_receive', expect: {} },
  };

  it('accepts a scenario built from the protocol types', () => {
    expect(Scenario.safeParse(valid).success).toBe(true);
  });

  it('takes every program kind the protocol knows, drop-half among them, and no other', () => {
    for (const kind of XdpProgramKind.options)
      expect(Scenario.safeParse({ ...valid, setup: { ...valid.setup, program: { kind } } }).success, kind).toBe(true);
    const result = Scenario.safeParse({ ...valid, setup: { ...valid.setup, program: { kind: 'drop-all' } } });
    expect(result.error?.issues[0]?.path).toEqual(['setup', 'program', 'kind']);
  });

  it('refuses a counter XDP_STATISTICS does not have, naming where it is', () => {
    const result = Scenario.safeParse({ ...valid, expect: { sockets: { rx: { stats: { rxDrops: 1 } } } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['expect', 'sockets', 'rx', 'stats']);
    expect(result.error?.issues[0]?.message).toContain('rxDrops');
  });

  it('refuses a step it does not know', () => {
    const result = Scenario.safeParse({ ...valid, steps: [{ do: 'sendFrames', frames: 1 }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['steps', 0, 'do']);
  });
});

describe('a TX descriptor table in a lesson', () => {
  const rows = [
    { addr: 0, len: 64 },
    { addr: { from: 'start', chunks: 1 }, len: 64 },
    { addr: { from: 'start', bytes: -2 }, len: 64 },
    { addr: { from: 'end', bytes: -32 }, len: 64, options: 1 },
    { addr: { from: 'end' }, len: 64 },
    { addr: '0x10', len: 0, what: 'a literal u64 as hex' },
  ] as const;

  it('resolves addresses counted in chunks and from the end for the UMEM at hand, modulo 2^64', () => {
    const table = ScenarioStep.parse({ do: 'txDescriptors', socketId: 'tx', descriptors: rows });
    if (table.do !== 'txDescriptors') throw new Error('not a table');
    expect(resolveTxTable(table.descriptors, { frameCount: 64, frameSize: 4096 })).toEqual([
      { addr: 0, len: 64 },
      { addr: 4096, len: 64 },
      { addr: '0xfffffffffffffffe', len: 64 },
      { addr: 64 * 4096 - 32, len: 64, options: 1 },
      { addr: 64 * 4096, len: 64 },
      { addr: '0x10', len: 0 },
    ]);
    expect(resolveTxTable(table.descriptors, { frameCount: 64, frameSize: 2048 }).map((row) => row.addr)).toEqual([
      0,
      2048,
      '0xfffffffffffffffe',
      64 * 2048 - 32,
      64 * 2048,
      '0x10',
    ]);
  });

  it('refuses an address that is neither a u64 nor counted from the start or end, naming the row', () => {
    const step = (addr: unknown) =>
      ScenarioStep.safeParse({
        do: 'txDescriptors',
        socketId: 'tx',
        descriptors: [
          { addr: 0, len: 64 },
          { addr, len: 64 },
        ],
      });
    for (const addr of [{ from: 'middle' }, { from: 'end', chunks: 1.5 }, { from: 'start', frames: 1 }, -2, '0x1g']) {
      const result = step(addr);
      expect(result.success, JSON.stringify(addr)).toBe(false);
      expect(result.error?.issues[0]?.path.slice(0, 3)).toEqual(['descriptors', 1, 'addr']);
    }
  });

  it('refuses a row with a field it does not know, and a table longer than 64 rows', () => {
    const unknownField = ScenarioStep.safeParse({
      do: 'txDescriptors',
      socketId: 'tx',
      descriptors: [{ addr: 0, len: 64, valid: true }],
    });
    expect(unknownField.success).toBe(false);
    expect(unknownField.error?.issues[0]?.path).toEqual(['descriptors', 0]);
    const long = Array.from({ length: 65 }, (_, i) => ({ addr: { from: 'start', chunks: i }, len: 64 }));
    expect(ScenarioStep.safeParse({ do: 'txDescriptors', socketId: 'tx', descriptors: long }).success).toBe(false);
  });
});
