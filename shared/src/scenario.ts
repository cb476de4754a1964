import { z } from 'zod';
import {
  type Bound,
  type Expectation,
  type Finding,
  LessonSummary,
  type Observed,
  SocketConfig,
  Stage,
  TxDescriptor,
  TxTraffic,
  U64,
  UmemConfig,
  Workload,
  XdpProgramKind,
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
/**
 * A lesson names its sockets as upstream's harness does (`rx`, `tx`); the
 * agent creates them as `lesson-rx`, `lesson-tx`, so that no socket's name
 * reads as a ring's on the page ("next frame in: rx"). Outcomes keep the
 * lesson's own names.
 */
export const lessonSocketId = (id: string): string => `lesson-${id}`;
const socketId = z
  .string()
  .min(1)
  // A socket's name is at most 32 characters (protocol.ts), `lesson-` included.
  .max(32 - lessonSocketId('').length)
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

/**
 * A TX descriptor's address in a lesson: a u64 as the protocol takes it, or
 * counted from the UMEM's start or end in chunks and bytes, so that one table
 * means the same frames at 4K and 2K chunks. Reckoned as the kernel reckons
 * xdp_desc.addr, modulo 2^64: 2 bytes before the start is 2^64 − 2.
 */
export const TableAddress = z.union([
  U64,
  z.strictObject({
    from: z.enum(['start', 'end']),
    chunks: z.number().int().min(-65536).max(65536).optional(),
    bytes: z
      .number()
      .int()
      .min(-(2 ** 32))
      .max(2 ** 32)
      .optional(),
  }),
]);
export type TableAddress = z.infer<typeof TableAddress>;

/** One row of a lesson's descriptor table; `what` says what the row tries (shown nowhere but the file). */
export const TableDescriptor = TxDescriptor.extend({
  addr: TableAddress,
  what: z.string().min(1).max(80).optional(),
}).strict();
export type TableDescriptor = z.infer<typeof TableDescriptor>;

const U64_SPACE = 2n ** 64n;

/** The table as sendTxDescriptors takes it, for a UMEM of `frameCount` chunks of `frameSize` bytes. */
export function resolveTxTable(
  rows: readonly TableDescriptor[],
  umem: { frameCount: number; frameSize: number },
): TxDescriptor[] {
  return rows.map(({ addr, len, options }) => ({
    addr: resolveAddress(addr, umem),
    len,
    ...(options !== undefined ? { options } : {}),
  }));
}

function resolveAddress(addr: TableAddress, umem: { frameCount: number; frameSize: number }): TxDescriptor['addr'] {
  if (typeof addr !== 'object') return addr;
  const base = addr.from === 'end' ? BigInt(umem.frameCount) * BigInt(umem.frameSize) : 0n;
  const value =
    (((base + BigInt(addr.chunks ?? 0) * BigInt(umem.frameSize) + BigInt(addr.bytes ?? 0)) % U64_SPACE) + U64_SPACE) %
    U64_SPACE;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : `0x${value.toString(16)}`;
}

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
  /**
   * These descriptors on a TX-only socket's TX ring, as given, in order, with
   * one wakeup (Ringside's sendTxDescriptors; upstream's invalid-descriptor table).
   */
  z.strictObject({
    do: z.literal('txDescriptors'),
    socketId,
    descriptors: z.array(TableDescriptor).min(1).max(64),
  }),
  z.strictObject({ do: z.literal('pauseStages'), socketId, stages: z.array(Stage).min(1) }),
  z.strictObject({ do: z.literal('resumeStages'), socketId, stages: z.array(Stage).min(1) }),
  z.strictObject({ do: z.literal('destroySocket'), socketId }),
  z.strictObject({ do: z.literal('createSocket'), socket: ScenarioSocket }),
  /** Destroys the socket and creates it again, `times` times (upstream's TEARDOWN). */
  z.strictObject({ do: z.literal('recreateSocket'), socketId, times: count.min(1).max(20) }),
]);
export type ScenarioStep = z.infer<typeof ScenarioStep>;

export const Scenario = LessonSummary.extend({
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
});
export type Scenario = z.infer<typeof Scenario>;

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
