import { z } from 'zod';
import {
  SocketConfig,
  Stage,
  TxTraffic,
  UmemConfig,
  Workload,
  XDP_ACTIONS,
  XDP_STATISTICS_FIELDS,
  XdpActions,
  XdpProgramKind,
  XdpStatistics,
  XSKMAP_ENTRIES,
} from './protocol.ts';

/**
 * A lesson: one case of the kernel's own AF_XDP test catalogue (xskxceiver,
 * `prog_tests/test_xsk.c`) as data: the setup built from the protocol's own
 * types, the steps that make traffic, what this kernel must show and what
 * upstream's harness expects. One JSON file each under agent/scenarios/, so
 * a teacher writes a new one without touching code.
 */

const count = z.number().int().min(0);
const socketId = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes');
const udpPort = z.number().int().min(1).max(65535);

/** A socket of the lab's app end: the protocol's UMEM and socket settings, each defaulting to Ringside's start socket. */
export const ScenarioSocket = z.strictObject({
  id: socketId,
  workload: Workload,
  umem: UmemConfig.extend({
    /** `max`: the largest headroom the running kernel accepts for the chunk size (probed at start, never assumed). */
    headroom: z.union([count, z.literal('max')]),
  })
    .strict()
    .partial()
    .optional(),
  socket: SocketConfig.omit({ ifname: true }).strict().partial().optional(),
  /** XDP_SHARED_UMEM: share the UMEM of this earlier socket (its UMEM settings are taken). */
  shareUmemOf: socketId.optional(),
  xskmapIndex: z
    .number()
    .int()
    .min(0)
    .max(XSKMAP_ENTRIES - 1)
    .optional(),
  /** Stages paused as soon as it exists, before anything is measured (FILL not fed, RX not drained...). */
  pausedStages: z.array(Stage).optional(),
});
export type ScenarioSocket = z.infer<typeof ScenarioSocket>;

/** What happens once the setup is quiet; each step is carried out, then waited on until its counters settle. */
export const ScenarioStep = z.discriminatedUnion('do', [
  /** The lab's source sends exactly `frames` frames from the peer end. */
  z.strictObject({
    do: z.literal('labTraffic'),
    frames: count.min(1).max(100_000),
    frameLength: TxTraffic.shape.frameLength,
    ratePps: TxTraffic.shape.ratePps.optional(),
    queueIds: z.array(count).min(1).optional(),
    destinationPorts: z.array(udpPort).min(1).max(16).optional(),
  }),
  /** A txonly socket sends exactly `frames` frames. */
  z.strictObject({
    do: z.literal('socketTraffic'),
    socketId,
    frames: count.min(1).max(100_000),
    frameLength: TxTraffic.shape.frameLength.optional(),
    ratePps: TxTraffic.shape.ratePps.optional(),
  }),
  /** `count` TX descriptors outside the UMEM (Ringside's injectInvalidTx). */
  z.strictObject({ do: z.literal('injectInvalidTx'), socketId, count: count.min(1).max(64) }),
  z.strictObject({ do: z.literal('pauseStages'), socketId, stages: z.array(Stage).min(1) }),
  z.strictObject({ do: z.literal('resumeStages'), socketId, stages: z.array(Stage).min(1) }),
  z.strictObject({ do: z.literal('destroySocket'), socketId }),
  z.strictObject({ do: z.literal('createSocket'), socket: ScenarioSocket }),
  /** Destroys the socket and creates it again, `times` times (upstream's TEARDOWN). */
  z.strictObject({ do: z.literal('recreateSocket'), socketId, times: count.min(1).max(20) }),
]);
export type ScenarioStep = z.infer<typeof ScenarioStep>;

/** An expected number: exact, or a range where the kernel's count depends on timing (a poll per wait). */
export const Bound = z.union([count, z.strictObject({ atLeast: count.optional(), atMost: count.optional() })]);
export type Bound = z.infer<typeof Bound>;

function boundsOf<Keys extends string>(keys: readonly Keys[]) {
  return z.strictObject(
    Object.fromEntries(keys.map((key) => [key, Bound.optional()])) as Record<Keys, z.ZodOptional<typeof Bound>>,
  );
}

/** What Ringside's data plane counted for a socket, beside the kernel's counters. */
export const SOCKET_TOTALS = ['received', 'sent', 'completed', 'completedInvalid'] as const;
export type SocketTotal = (typeof SOCKET_TOTALS)[number];
/** Entries in each ring when the run settled. */
export const RING_ENTRIES = ['fill', 'rx', 'tx', 'completion'] as const;
export type RingName = (typeof RING_ENTRIES)[number];
/** What the lab's source counted. */
export const SOURCE_TOTALS = ['sent', 'completed', 'received'] as const;
export type SourceTotal = (typeof SOURCE_TOTALS)[number];

export const SocketExpectation = boundsOf(SOCKET_TOTALS).extend({
  stats: boundsOf(XDP_STATISTICS_FIELDS).optional(),
  rings: boundsOf(RING_ENTRIES).optional(),
});
export type SocketExpectation = z.infer<typeof SocketExpectation>;

/** What a run must show, every count since the setup was quiet. Only what is named is compared. */
export const Expectation = z.strictObject({
  sockets: z.record(socketId, SocketExpectation).optional(),
  source: boundsOf(SOURCE_TOTALS).optional(),
  /** The XDP program's action counters on the app end. */
  program: boundsOf(XDP_ACTIONS).optional(),
});
export type Expectation = z.infer<typeof Expectation>;

export const Scenario = z.strictObject({
  /** Upstream's name for the case (test_xsk.c), or FAQ_... for the spec FAQ's pitfalls. */
  name: z
    .string()
    .min(1)
    .max(48)
    .regex(/^[A-Z][A-Z0-9_]*$/, 'upper-case letters, digits and underscores, as upstream names its tests'),
  title: z.string().min(1).max(120),
  explanation: z.strictObject({
    text: z.string().min(1).max(2000),
    /** The spec's section the explanation leans on (af_xdp.rst). */
    section: z.string().min(1).max(120),
  }),
  setup: z.strictObject({
    program: z
      .strictObject({
        kind: XdpProgramKind,
        ports: z.array(z.strictObject({ port: udpPort, index: count.max(XSKMAP_ENTRIES - 1) })).optional(),
      })
      .optional(),
    sockets: z.array(ScenarioSocket).min(1).max(8),
  }),
  steps: z.array(ScenarioStep).min(1).max(32),
  expect: Expectation,
  upstream: z.strictObject({
    /** The selftest function, e.g. testapp_stats_tx_invalid_descs. */
    test: z.string().min(1).max(80),
    /** How upstream sets the case up, where Ringside's setup differs. */
    setup: z.string().max(600).optional(),
    expect: Expectation,
    /** Why this kernel differs from upstream's expectation, when it does. */
    differs: z.string().max(600).optional(),
  }),
});
export type Scenario = z.infer<typeof Scenario>;

// ---------------------------------------------------------------- outcome

/** A socket's counts since the setup was quiet, as the runner read them. */
export const SocketObserved = z.object({
  ...(Object.fromEntries(SOCKET_TOTALS.map((key) => [key, count])) as Record<SocketTotal, typeof count>),
  stats: XdpStatistics,
  rings: z.object(
    Object.fromEntries(RING_ENTRIES.map((key) => [key, count.nullable()])) as Record<
      RingName,
      z.ZodNullable<typeof count>
    >,
  ),
});
export type SocketObserved = z.infer<typeof SocketObserved>;

export const Observed = z.object({
  sockets: z.record(z.string(), SocketObserved),
  source: z
    .object(Object.fromEntries(SOURCE_TOTALS.map((key) => [key, count])) as Record<SourceTotal, typeof count>)
    .nullable(),
  program: XdpActions.nullable(),
});
export type Observed = z.infer<typeof Observed>;

/** One number that is not what was expected; `observed` null when nothing was read there. */
export const Finding = z.object({
  /** Dotted, from the expectation's root: `sockets.tx.stats.txInvalidDescs`. */
  path: z.string(),
  expected: Bound,
  observed: count.nullable(),
});
export type Finding = z.infer<typeof Finding>;

/** A run's outcome: findings against this kernel's expectation (a failure) and against upstream's (shown, never hidden). */
export const ScenarioOutcome = z.object({
  name: z.string(),
  startedAt: z.number(),
  finishedAt: z.number(),
  /** Null when the run failed before anything was measured; `error` says why. */
  observed: Observed.nullable(),
  findings: z.array(Finding),
  upstreamFindings: z.array(Finding),
  /** The counters never settled within the run's bound, or a step was refused. */
  error: z.string().nullable(),
});
export type ScenarioOutcome = z.infer<typeof ScenarioOutcome>;

/** What hello and state carry of a scenario: everything but the steps' machinery is for showing. */
export const ScenarioSummary = Scenario.pick({
  name: true,
  title: true,
  explanation: true,
  expect: true,
  upstream: true,
});
export type ScenarioSummary = z.infer<typeof ScenarioSummary>;

// ---------------------------------------------------------------- comparing

export function within(bound: Bound, value: number): boolean {
  if (typeof bound === 'number') return value === bound;
  return (
    (bound.atLeast === undefined || value >= bound.atLeast) && (bound.atMost === undefined || value <= bound.atMost)
  );
}

export function describeBound(bound: Bound): string {
  if (typeof bound === 'number') return String(bound);
  if (bound.atLeast !== undefined && bound.atMost !== undefined) return `${bound.atLeast}–${bound.atMost}`;
  if (bound.atLeast !== undefined) return `≥ ${bound.atLeast}`;
  return bound.atMost !== undefined ? `≤ ${bound.atMost}` : 'any';
}

/** Every number an expectation names, flattened to dotted paths: `sockets.tx.stats.txInvalidDescs`. */
export function expectedNumbers(expected: Expectation): { path: string; bound: Bound }[] {
  const group = (prefix: string, bounds: Partial<Record<string, Bound>> | undefined) =>
    Object.entries(bounds ?? {}).flatMap(([key, bound]) =>
      bound === undefined ? [] : [{ path: `${prefix}.${key}`, bound }],
    );
  const sockets = Object.entries(expected.sockets ?? {}).flatMap(([id, socket]) => {
    const { stats, rings, ...totals } = socket;
    return [
      ...group(`sockets.${id}`, totals),
      ...group(`sockets.${id}.stats`, stats),
      ...group(`sockets.${id}.rings`, rings),
    ];
  });
  return [...sockets, ...group('source', expected.source), ...group('program', expected.program)];
}

/** The observed number at a path of expectedNumbers; null when nothing was read there. */
export function observedAt(observed: Observed, path: string): number | null {
  let node: unknown = observed;
  for (const part of path.split('.'))
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return typeof node === 'number' ? node : null;
}

/** Every expected number the observation does not meet, in the expectation's order; none when all hold. */
export function compareOutcome(expected: Expectation, observed: Observed): Finding[] {
  return expectedNumbers(expected).flatMap(({ path, bound }) => {
    const value = observedAt(observed, path);
    return value !== null && within(bound, value) ? [] : [{ path, expected: bound, observed: value }];
  });
}
