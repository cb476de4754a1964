import { z } from 'zod';
import { RingState } from './rings.ts';

/**
 * Ringside's wire protocol: one union of messages per direction, each member
 * keyed on `type`. Both ends parse what they receive with these schemas, so the
 * TypeScript types and the runtime checks come from one definition.
 *
 * A client whose major version differs is refused; minor versions only add
 * optional fields and new message types that an older peer may ignore.
 */
export const PROTOCOL_VERSION = { major: 1, minor: 0 } as const;

const u32 = z.number().int().min(0).max(0xffff_ffff);
const count = z.number().int().min(0);
const rate = z.number().min(0);
const requestId = z.string().min(1).max(64);

export const ProtocolVersion = z.object({ major: count, minor: count });

// ---------------------------------------------------------------- model

export const XdpMode = z.enum(['skb', 'drv']);
export type XdpMode = z.infer<typeof XdpMode>;

export const UmemConfig = z.object({
  frameCount: count,
  frameSize: count,
  headroom: count,
  fillSize: count,
  completionSize: count,
  unaligned: z.boolean(),
});
export type UmemConfig = z.infer<typeof UmemConfig>;

export const SocketConfig = z.object({
  ifname: z.string().min(1).max(15),
  queueId: u32,
  rxSize: count,
  txSize: count,
  xdpMode: XdpMode,
  copy: z.boolean(),
  zeroCopy: z.boolean(),
  needWakeup: z.boolean(),
  batchSize: count,
});
export type SocketConfig = z.infer<typeof SocketConfig>;

export const Workload = z.enum(['rxdrop', 'txonly', 'l2fwd']);
export type Workload = z.infer<typeof Workload>;

export const UmemInfo = z.object({ id: z.string(), config: UmemConfig });
export type UmemInfo = z.infer<typeof UmemInfo>;

export const SocketInfo = z.object({
  id: z.string(),
  umemId: z.string(),
  config: SocketConfig,
  workload: Workload,
  /** What XDP_OPTIONS reported after bind. */
  zeroCopyActive: z.boolean(),
});
export type SocketInfo = z.infer<typeof SocketInfo>;

/** The lab's own traffic source: an XSK sending UDP frames from the peer namespace. */
export const TrafficInfo = z.object({
  ifname: z.string(),
  paused: z.boolean(),
  ratePps: count,
  frameSize: count,
});
export type TrafficInfo = z.infer<typeof TrafficInfo>;

export const LabInfo = z.object({
  appNamespace: z.string(),
  peerNamespace: z.string(),
  appIfname: z.string(),
  peerIfname: z.string(),
  queues: count,
});
export type LabInfo = z.infer<typeof LabInfo>;

export const XdpStatistics = z.object({
  rxDropped: count,
  rxInvalidDescs: count,
  txInvalidDescs: count,
  rxRingFull: count,
  rxFillRingEmptyDescs: count,
  txRingEmptyDescs: count,
});
export type XdpStatistics = z.infer<typeof XdpStatistics>;

export const SocketSample = z.object({
  socketId: z.string(),
  rings: z.object({
    fill: RingState.nullable(),
    rx: RingState.nullable(),
    tx: RingState.nullable(),
    completion: RingState.nullable(),
  }),
  stats: XdpStatistics,
  totals: z.object({ rxPackets: count, rxBytes: count, txPackets: count, txBytes: count, wakeups: count }),
  rates: z.object({ rxPps: rate, rxBps: rate, txPps: rate, txBps: rate }),
});
export type SocketSample = z.infer<typeof SocketSample>;

// ---------------------------------------------------------------- server -> client

export const Role = z.enum(['control', 'view']);
export type Role = z.infer<typeof Role>;

export const HelloMessage = z.object({
  type: z.literal('hello'),
  protocol: ProtocolVersion,
  role: Role,
  host: z.object({ kernel: z.string(), hostname: z.string() }),
  mode: z.enum(['lab', 'nic']),
});
export type HelloMessage = z.infer<typeof HelloMessage>;

export const StateMessage = z.object({
  type: z.literal('state'),
  umems: z.array(UmemInfo),
  sockets: z.array(SocketInfo),
  traffic: TrafficInfo.nullable(),
  lab: LabInfo.nullable(),
  snapshotsPerSecond: count,
});
export type StateMessage = z.infer<typeof StateMessage>;

export const SnapshotMessage = z.object({
  type: z.literal('snapshot'),
  seq: count,
  /** Agent clock (ms since the epoch) when the rings were read. */
  sampledAt: z.number(),
  sockets: z.array(SocketSample),
  traffic: z.object({ sentFrames: count, pps: rate }).nullable(),
});
export type SnapshotMessage = z.infer<typeof SnapshotMessage>;

export const EventMessage = z.object({
  type: z.literal('event'),
  at: z.number(),
  kind: z.enum(['traffic-paused', 'traffic-resumed', 'traffic-rate', 'socket-created', 'socket-error']),
  message: z.string(),
});
export type EventMessage = z.infer<typeof EventMessage>;

export const AckMessage = z.object({ type: z.literal('ack'), requestId });

export const ErrorCode = z.enum([
  'bad-request',
  'unsupported-version',
  'forbidden',
  'not-found',
  'kernel-refused',
  'rate-limited',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorMessage = z.object({
  type: z.literal('error'),
  /** The request this error answers; null when the message had no readable id. */
  requestId: requestId.nullable(),
  code: ErrorCode,
  message: z.string(),
});
export type ErrorMessage = z.infer<typeof ErrorMessage>;

export const ServerMessage = z.discriminatedUnion('type', [
  HelloMessage,
  StateMessage,
  SnapshotMessage,
  EventMessage,
  AckMessage,
  ErrorMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

// ---------------------------------------------------------------- client -> server

export const ClientHello = z.object({ type: z.literal('hello'), protocol: ProtocolVersion });

export const SetTraffic = z.object({
  type: z.literal('setTraffic'),
  requestId,
  paused: z.boolean().optional(),
  ratePps: z.number().int().min(1).max(10_000_000).optional(),
});

export const SetSnapshotRate = z.object({
  type: z.literal('setSnapshotRate'),
  requestId,
  perSecond: z.number().int().min(1).max(60),
});

export const Resync = z.object({ type: z.literal('resync'), requestId });

export const ClientMessage = z.discriminatedUnion('type', [ClientHello, SetTraffic, SetSnapshotRate, Resync]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Commands that change what the agent does; a `view` client may not send them. */
export const CONTROL_COMMANDS: ReadonlySet<ClientMessage['type']> = new Set(['setTraffic']);

// ---------------------------------------------------------------- parsing

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Names the offending field of each issue, so a bad message says what to fix. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
}

function parseWith<T>(schema: z.ZodType<T>, text: string): Parsed<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: 'message is not valid JSON' };
  }
  const result = schema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: describeIssues(result.error) };
}

export function parseServerMessage(text: string): Parsed<ServerMessage> {
  return parseWith(ServerMessage, text);
}

export function parseClientMessage(text: string): Parsed<ClientMessage> {
  return parseWith(ClientMessage, text);
}
