import { z } from 'zod';
import { InterfaceInfo, UmemLimits } from './facts.ts';
import { FactSource, KernelMismatch, KernelMismatchChange, KernelView } from './kernel-view.ts';
import { FrameOwner } from './ledger.ts';
import { RingState } from './rings.ts';
import { RxMetadataSupport } from './rx-metadata.ts';
import { SocketFeatures } from './socket-options.ts';
import { TxCompletionStamps, TxMetadataConfig, TxMetadataRequests } from './tx-metadata.ts';

/**
 * Ringside's wire protocol: one union of messages per direction, each member
 * keyed on `type`. Both ends parse what they receive with these schemas, so the
 * TypeScript types and the runtime checks come from one definition.
 *
 * A client whose major version differs is refused; minor versions only add
 * optional fields and new message types that an older peer may ignore.
 */
/**
 * 2.3: sendTxDescriptors, the drop-half program, runScenario and the lessons, busy polling and the TX budget.
 * 2.4: the newer kernels' AF_XDP: multi-buffer sockets (SocketConfig.multiBuffer); the rx-metadata program and
 *   the RX metadata kfuncs the kernel and interfaces offer (`rxMetadata`); TX metadata (UmemConfig.txMetadata,
 *   socketFeatures.txMetadata).
 * 2.5: SocketRequest.pausedStages, a socket created with stages already paused; SocketRequest.txMetadataRequests
 *   (the completion timestamp and launch time txonly asks of each frame) and SocketDetailMessage.txCompletionStamps.
 * 2.6: EventMessage.id, so a client that reconnects shows the start-up events it is sent again once;
 *   SocketInfo.dataPlane, whether a worker still drives the socket's rings.
 * 2.7: TrafficInfo.dataPlane, the same of the lab's traffic source.
 */
export const PROTOCOL_VERSION = { major: 2, minor: 7 } as const;

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
  /** tx_metadata_len and XDP_UMEM_TX_SW_CSUM at XDP_UMEM_REG. Absent: none (requests from before 2.4 still parse). */
  txMetadata: TxMetadataConfig.optional(),
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
  /**
   * Busy polling (SO_PREFER_BUSY_POLL, SO_BUSY_POLL µs, SO_BUSY_POLL_BUDGET): the
   * data plane then drives the NAPI instance itself, a syscall every round.
   * Absent: off (requests from before 2.2 still parse).
   */
  busyPoll: z.object({ preferBusyPoll: z.boolean(), busyPollUsecs: u32, busyPollBudget: u32 }).optional(),
  /** XDP_MAX_TX_SKB_BUDGET: TX descriptors one copy-mode sendto consumes at most. Absent: the kernel's default (32). */
  txBudget: u32.optional(),
  /**
   * Multi-buffer (XDP_USE_SG, Linux 6.6): a frame longer than a chunk comes
   * and goes as several descriptors, XDP_PKT_CONTD on all but the last.
   * Absent: off (requests from before 2.4 still parse).
   */
  multiBuffer: z.boolean().optional(),
});
export type SocketConfig = z.infer<typeof SocketConfig>;

export const Workload = z.enum(['rxdrop', 'txonly', 'l2fwd']);
export type Workload = z.infer<typeof Workload>;

export const UmemInfo = z.object({
  id: z.string(),
  config: UmemConfig,
  socketIds: z.array(z.string()),
  /** One FILL/COMPLETION pair per (netdev, queue) the UMEM is bound to, and the sockets it serves. */
  pairs: z.array(z.object({ ifname: z.string(), queueId: u32, socketIds: z.array(z.string()) })),
});
export type UmemInfo = z.infer<typeof UmemInfo>;

/** The pipeline's stages, each of which a user may pause, resume and step. */
export const Stage = z.enum(['fillRefill', 'rxDrain', 'txSubmit', 'completionReap']);
export type Stage = z.infer<typeof Stage>;

/** The most a sender may be asked to send, in frames per second. */
export const MAX_RATE_PPS = 10_000_000;
/** Ethernet's minimum frame, without the FCS: a shorter one is padded by the sender. */
export const MIN_FRAME_LENGTH = 60;
const ratePps = z.number().int().min(1).max(MAX_RATE_PPS);

export const TxTraffic = z.object({
  ratePps,
  frameLength: z.number().int().min(MIN_FRAME_LENGTH).max(65535),
});
export type TxTraffic = z.infer<typeof TxTraffic>;

/** The XDP programs Ringside loads on an interface; `libxdp-default` is the one libxdp itself loads. */
export const XdpProgramKind = z.enum([
  'by-queue',
  'round-robin',
  'steer-by-port',
  'drop-half',
  'rx-metadata',
  'libxdp-default',
]);
export type XdpProgramKind = z.infer<typeof XdpProgramKind>;
/**
 * Ringside's programs that send a frame to its receive queue's XSKMAP index
 * (drop-half: every frame it keeps; rx-metadata: with the kernel's RX metadata in front).
 */
export const steersByQueue = (kind: XdpProgramKind | 'other'): boolean =>
  kind === 'by-queue' || kind === 'drop-half' || kind === 'rx-metadata';

/** XSKMAP indices Ringside's programs have (bpf/ringside.h). */
export const XSKMAP_ENTRIES = 64;
const xskmapIndex = z
  .number()
  .int()
  .min(0)
  .max(XSKMAP_ENTRIES - 1);
const udpPort = z.number().int().min(1).max(65535);

/** Everything a user sets for one socket: its UMEM, the socket and the work it does. */
export const SocketRequest = z.object({
  umem: UmemConfig,
  socket: SocketConfig,
  workload: Workload,
  traffic: TxTraffic.optional(),
  /**
   * Since 2.5: stages paused from the socket's first round, as if a
   * pauseStages had come first. A pauseStages after createSocket comes too
   * late for a txonly socket, which has sent frames by then. Only a creation
   * reads it: a reconfigured socket keeps the stages it has paused.
   */
  pausedStages: z.array(Stage).optional(),
  /**
   * Share this existing UMEM (XDP_SHARED_UMEM) instead of registering a new
   * one; `umem` must then equal its configuration. On the UMEM's own
   * (netdev, queue) the sockets share one FILL/COMPLETION pair; on another
   * the new socket brings its own pair.
   */
  umemId: z.string().min(1).max(40).optional(),
  /** Where Ringside's program finds this socket in the XSKMAP (default: by-queue, the queue id; otherwise the lowest free index). */
  xskmapIndex: xskmapIndex.optional(),
  /** 'kernel': skip Ringside's checks and let the kernel answer (the old socket is rebuilt if it refuses). */
  checks: z.enum(['ringside', 'kernel']).optional(),
  /** Since 2.5: what txonly asks in each frame's TX metadata beyond the checksum. Absent: nothing more. */
  txMetadataRequests: TxMetadataRequests.optional(),
});
export type SocketRequest = z.infer<typeof SocketRequest>;

/**
 * An XDP program attached to an interface. The kernel does not let user space
 * read an XSKMAP's values, so `entries` are the sockets Ringside itself put
 * in the map (libxdp's default program: each socket at its queue id).
 */
export const XdpProgramInfo = z.object({
  ifname: z.string(),
  mode: z.enum(['skb', 'drv', 'hw']),
  programId: count,
  name: z.string(),
  /** Which of Ringside's programs this is; `other` when someone else attached it. */
  kind: z.union([XdpProgramKind, z.literal('other')]),
  /** steer-by-port: UDP destination port → XSKMAP index. */
  ports: z.array(z.object({ port: udpPort, index: xskmapIndex })),
  xskmap: z
    .object({
      id: count,
      name: z.string(),
      maxEntries: count,
      entries: z.array(z.object({ index: count, socketId: z.string() })),
    })
    .nullable(),
});
export type XdpProgramInfo = z.infer<typeof XdpProgramInfo>;

/**
 * Whether a data-plane worker drives the socket's rings. A worker that
 * crashes is restarted on the same rings; one that keeps crashing is left
 * down, with every socket of its UMEM, until a socket of that UMEM is
 * created, reconfigured or destroyed (the worker is started again then).
 */
export const DataPlaneState = z.discriminatedUnion('state', [
  z.object({ state: z.literal('running') }),
  z.object({
    state: z.literal('down'),
    /** Agent clock (ms since the epoch) when the worker was left down. */
    since: z.number(),
    /** The last crash, and why no restart followed. */
    reason: z.string(),
  }),
]);
export type DataPlaneState = z.infer<typeof DataPlaneState>;

export const SocketInfo = z.object({
  id: z.string(),
  umemId: z.string(),
  config: SocketConfig,
  workload: Workload,
  request: SocketRequest,
  pausedStages: z.array(Stage),
  /** What XDP_OPTIONS reported after bind. */
  zeroCopyActive: z.boolean(),
  /** The socket's index in its interface's XSKMAP; null when it receives nothing (no RX ring). */
  xskmapIndex: count.nullable(),
  /** What the kernel shows of the socket, read at creation, reconfiguration and on request (refreshKernelView). */
  kernel: KernelView,
  /** Where `request` and `kernel` differ: shown at the top of the socket's view, and told as a kernel-mismatch event. */
  mismatches: z.array(KernelMismatch),
  /** Since 2.6 (an older agent says nothing: running). */
  dataPlane: DataPlaneState.optional(),
});
export type SocketInfo = z.infer<typeof SocketInfo>;

/**
 * Every XSK found on the host, in every process and network namespace: what
 * discovery learned of it (agent/src/attach/), each kernel fact with its source.
 */
export const DiscoveredXsk = z.object({
  /** Stable while the socket lives: pid, fd and the socket's inode. */
  id: z.string(),
  pid: count,
  command: z.string(),
  cmdline: z.array(z.string()),
  fd: count,
  inode: count,
  netns: z.object({ inode: count, name: z.string().nullable() }),
  kernel: KernelView,
  umem: z.object({
    id: count.nullable(),
    size: count.nullable(),
    chunkSize: count.nullable(),
    headroom: count.nullable(),
    refs: count.nullable(),
    source: FactSource,
  }),
  /** The process is Ringside itself: the socket is one of its own, shown as such, never attached. */
  own: z.boolean(),
  /** The observed socket it is attached as, or null. */
  attachedAs: z.string().nullable(),
});
export type DiscoveredXsk = z.infer<typeof DiscoveredXsk>;

/** Whose an observed socket is: Ringside's own, or another process's watched read-only. */
export const SocketOrigin = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('own') }),
  z.object({
    kind: z.literal('attached'),
    pid: count,
    command: z.string(),
    fd: count,
    netns: DiscoveredXsk.shape.netns,
  }),
]);
export type SocketOrigin = z.infer<typeof SocketOrigin>;

/**
 * Another process's socket, attached read-only: its rings' shared words,
 * XDP_STATISTICS and the kernel's side of frame ownership come with the
 * snapshots like an own socket's; what only its application knows (cached
 * indices, what it counted, which frames it holds for what) does not.
 */
export const AttachedSocketInfo = z.object({
  id: z.string(),
  origin: SocketOrigin.options[1],
  /** The DiscoveredXsk it was attached from. */
  discoveredId: z.string(),
  kernel: KernelView,
  umem: DiscoveredXsk.shape.umem,
});
export type AttachedSocketInfo = z.infer<typeof AttachedSocketInfo>;

/** The lab's own traffic source: an XSK sending UDP frames from the peer namespace. */
export const TrafficInfo = z.object({
  ifname: z.string(),
  paused: z.boolean(),
  ratePps: count,
  frameSize: count,
  /** The peer queues it sends from: on veth a frame sent on queue i arrives on queue i of the other end. */
  queueIds: z.array(u32),
  /** UDP destination ports it cycles through, frame by frame. */
  destinationPorts: z.array(udpPort),
  /** Whether a data-plane worker drives its sockets: down, it sends nothing whatever its rate (absent before 2.7). */
  dataPlane: DataPlaneState.optional(),
});
export type TrafficInfo = z.infer<typeof TrafficInfo>;

export const LabInfo = z.object({
  appNamespace: z.string(),
  peerNamespace: z.string(),
  appIfname: z.string(),
  peerIfname: z.string(),
  queues: count,
  /** The veth pair's MTU, both ends (absent before 2.4: 1500). */
  mtu: count.optional(),
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

/** XDP_STATISTICS' fields, in the schema's order: every list of them is this one. */
export const XDP_STATISTICS_FIELDS = XdpStatistics.keyof().options;

/** Each field as struct xdp_statistics spells it: the name users read in the kernel's docs and search for. */
export const XDP_STATISTICS_NAMES: Record<keyof XdpStatistics, string> = {
  rxDropped: 'rx_dropped',
  rxInvalidDescs: 'rx_invalid_descs',
  txInvalidDescs: 'tx_invalid_descs',
  rxRingFull: 'rx_ring_full',
  rxFillRingEmptyDescs: 'rx_fill_ring_empty_descs',
  txRingEmptyDescs: 'tx_ring_empty_descs',
};

/** What an XDP program did with the frames it saw, one counter per action (bpf/ringside.h). */
export const XdpActions = z.object({
  /** Handed to a socket bound to the frame's own queue. */
  redirected: count,
  /** Left to the kernel stack. */
  passed: count,
  /** Dropped by the program. */
  dropped: count,
  /** The chosen XSKMAP index held no socket (also counted as passed or dropped). */
  noSocket: count,
  /** Redirected to a socket bound to another queue: the kernel refused it and the frame was lost. */
  wrongQueue: count,
});
export type XdpActions = z.infer<typeof XdpActions>;
/** The program's actions, in the schema's order: every list of them is this one. */
export const XDP_ACTIONS = XdpActions.keyof().options;

/** The action counters of the program on one interface. */
export const XdpActionCounters = XdpActions.extend({ ifname: z.string() });
export type XdpActionCounters = z.infer<typeof XdpActionCounters>;

export const SocketSample = z.object({
  socketId: z.string(),
  rings: z.object({
    fill: RingState.nullable(),
    rx: RingState.nullable(),
    tx: RingState.nullable(),
    completion: RingState.nullable(),
  }),
  stats: XdpStatistics,
  /** What Ringside's data plane counted; null for an attached socket, whose application counts for itself. */
  totals: z
    .object({
      rxPackets: count,
      rxBytes: count,
      txPackets: count,
      txBytes: count,
      completed: count,
      /** Syscalls made because a ring's need_wakeup flag asked (or need_wakeup is off). */
      wakeups: count,
      /** poll() calls made only to sleep while there was nothing to do. */
      idleWaits: count,
      /** Empty recvfrom calls a busy-polling socket made to run its NAPI instance. */
      busyPolls: count,
      /** TX kicks (sendto), and the TX descriptors the kernel consumed inside them (copy mode: at most its budget each). */
      txSendtos: count,
      txSendtoConsumed: count,
    })
    .nullable(),
  /** Of an attached socket: frames from RX's and COMPLETION's producers; bytes unknown (null). */
  rates: z.object({ rxPps: rate, rxBps: rate.nullable(), txPps: rate, txBps: rate.nullable() }),
  ledger: z.object({
    counts: z.record(FrameOwner, count),
    /** Frames the kernel passed on while its FILL or TX consumer word still lists them. */
    consumerLag: z.object({ fill: count, tx: count }),
    violations: z.array(z.string()),
    /** False when the data plane kept moving through every retry of the read. */
    consistent: z.boolean(),
  }),
  pausedStages: z.array(Stage),
});
export type SocketSample = z.infer<typeof SocketSample>;

// ---------------------------------------------------------------- lessons (the kernel's test catalogue)

/** An expected number: exact, or a range where the kernel's count depends on timing (one per poll, say). */
export const Bound = z.union([count, z.strictObject({ atLeast: count.optional(), atMost: count.optional() })]);
export type Bound = z.infer<typeof Bound>;

function boundsOf<Key extends string>(keys: readonly Key[]) {
  return z.strictObject(
    Object.fromEntries(keys.map((key) => [key, Bound.optional()])) as Record<Key, z.ZodOptional<typeof Bound>>,
  );
}

function countsOf<Key extends string>(keys: readonly Key[]) {
  return z.object(Object.fromEntries(keys.map((key) => [key, count])) as Record<Key, typeof count>);
}

/** What Ringside's data plane counted for a socket; completedInvalid: addresses back on COMPLETION that it never sent. */
export const SOCKET_TOTALS = ['received', 'sent', 'completed', 'completedInvalid'] as const;
/** The rings whose entries a lesson counts when it settles. */
export const RING_NAMES = ['fill', 'rx', 'tx', 'completion'] as const;
/** What the lab's traffic source counted. */
export const SOURCE_TOTALS = ['sent', 'completed', 'received'] as const;

const socketExpectation = boundsOf(SOCKET_TOTALS).extend({
  stats: boundsOf(XDP_STATISTICS_FIELDS).optional(),
  rings: boundsOf(RING_NAMES).optional(),
});

/** What a lesson's run must show, every count since its setup was quiet; only what is named is compared. */
export const Expectation = z.strictObject({
  sockets: z.record(z.string(), socketExpectation).optional(),
  source: boundsOf(SOURCE_TOTALS).optional(),
  /** The XDP program's action counters on the app end. */
  program: boundsOf(XDP_ACTIONS).optional(),
});
export type Expectation = z.infer<typeof Expectation>;

/** What a run read, every count since the setup was quiet (a ring: its entries at the end; null when it has none). */
export const Observed = z.object({
  sockets: z.record(
    z.string(),
    countsOf(SOCKET_TOTALS).extend({
      stats: XdpStatistics,
      rings: z.object(
        Object.fromEntries(RING_NAMES.map((key) => [key, count.nullable()])) as Record<
          (typeof RING_NAMES)[number],
          z.ZodNullable<typeof count>
        >,
      ),
    }),
  ),
  source: countsOf(SOURCE_TOTALS).nullable(),
  program: XdpActions.nullable(),
});
export type Observed = z.infer<typeof Observed>;

/** One number that is not what was expected: its dotted path (`sockets.tx.stats.txInvalidDescs`); observed null when nothing was read there. */
export const Finding = z.object({ path: z.string(), expected: Bound, observed: count.nullable() });
export type Finding = z.infer<typeof Finding>;

/** A lesson as pages show it: what it teaches, and what this kernel and upstream's harness expect. */
export const LessonSummary = z.strictObject({
  /** Upstream's name for the case (test_xsk.c), or FAQ_... for the spec FAQ's pitfalls. */
  name: z
    .string()
    .min(1)
    .max(48)
    .regex(/^[A-Z][A-Z0-9_]*$/, 'upper-case letters, digits and underscores, as upstream names its tests'),
  title: z.string().min(1).max(120),
  explanation: z.strictObject({
    text: z.string().min(1).max(2000),
    /** The spec's section it leans on (af_xdp.rst). */
    section: z.string().min(1).max(120),
  }),
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
export type LessonSummary = z.infer<typeof LessonSummary>;

/** A run's outcome: findings against this kernel's expectation (the run fails) and against upstream's (shown, never hidden). */
export const LessonOutcome = z.object({
  name: z.string(),
  startedAt: z.number(),
  finishedAt: z.number(),
  /** Null when the run failed before anything was measured. */
  observed: Observed.nullable(),
  findings: z.array(Finding),
  upstreamFindings: z.array(Finding),
  /** A step was refused, or the counters never settled within the run's bound. */
  error: z.string().nullable(),
});
export type LessonOutcome = z.infer<typeof LessonOutcome>;

/** The lessons an agent offers, the files it refused (each naming the file, the field and the fix), and the last run. */
export const LessonsState = z.object({
  catalogue: z.array(LessonSummary),
  problems: z.array(z.string()),
  running: z.string().nullable(),
  last: LessonOutcome.nullable(),
});
export type LessonsState = z.infer<typeof LessonsState>;

// ---------------------------------------------------------------- server -> client

export const Role = z.enum(['control', 'view']);
export type Role = z.infer<typeof Role>;

export const HelloMessage = z.object({
  type: z.literal('hello'),
  protocol: ProtocolVersion,
  role: Role,
  host: z.object({
    kernel: z.string(),
    hostname: z.string(),
    /** The interfaces sockets may bind to, with their queues and driver. */
    interfaces: z.array(InterfaceInfo),
  }),
  /** `attach`: no lab and no socket of Ringside's own, only other processes' sockets (`--attach`). */
  mode: z.enum(['lab', 'nic', 'attach']),
  /** What this agent can do beyond protocol 1.0, so a page can offer only what works. */
  capabilities: z.array(z.string()),
  /**
   * Since 2.2: the view-only URLs an audience can open, one per name the
   * agent answers to that other machines reach (none on loopback alone).
   * Never a control URL: a view page is told them too.
   */
  audienceUrls: z
    .array(z.url({ protocol: /^http$/ }).max(2048))
    .max(64)
    .optional(),
});
export type HelloMessage = z.infer<typeof HelloMessage>;

export const StateMessage = z.object({
  type: z.literal('state'),
  umems: z.array(UmemInfo),
  sockets: z.array(SocketInfo),
  traffic: TrafficInfo.nullable(),
  lab: LabInfo.nullable(),
  /** Interfaces sockets may bind to (the lab's app end, or the host's). */
  interfaces: z.array(InterfaceInfo),
  /** The XDP program on each interface that has one, and its XSKMAP. */
  xdpPrograms: z.array(XdpProgramInfo),
  /** What the running kernel accepts for a UMEM: the page validates against it too. */
  umemLimits: UmemLimits,
  /** Which socket options the running kernel took at start (absent from older agents: the page offers none). */
  socketFeatures: SocketFeatures.optional(),
  snapshotsPerSecond: count,
  /** Every XSK on the host (an agent before protocol 2.1 sends none). */
  discovered: z.array(DiscoveredXsk).default([]),
  /** Sockets of other processes, observed beside `sockets` with the same snapshots. */
  attached: z.array(AttachedSocketInfo).default([]),
  /** Since 2.3: the lessons (agent/scenarios/) and the last run's outcome. */
  lessons: LessonsState.optional(),
  /** Since 2.4: the RX metadata kfuncs the kernel and the interfaces offer, and whether rx-metadata can run. */
  rxMetadata: RxMetadataSupport.optional(),
});
export type StateMessage = z.infer<typeof StateMessage>;

/**
 * An interface as the receive path needs it: whether its link is up, and what
 * its driver counted on each receive queue (`ethtool -S`), read at most once a
 * second. `queues` is null when the driver names no per-queue counters; veth
 * counts only frames that went through its XDP path (a program is attached).
 */
export const LinkReading = z.object({
  ifname: z.string(),
  /** Agent clock (ms since the epoch) of the reading: rates divide by the time between readings, not snapshots. */
  readAt: z.number(),
  up: z.boolean(),
  queues: z.array(z.object({ frames: count, drops: count })).nullable(),
});
export type LinkReading = z.infer<typeof LinkReading>;

export const SnapshotMessage = z.object({
  type: z.literal('snapshot'),
  seq: count,
  /** Agent clock (ms since the epoch) when the rings were read. */
  sampledAt: z.number(),
  sockets: z.array(SocketSample),
  traffic: z.object({ sentFrames: count, pps: rate }).nullable(),
  /** The action counters of Ringside's XDP program on each interface that has one. */
  programs: z.array(XdpActionCounters),
  /** The interfaces the sockets are bound to (protocol 2.1). */
  links: z.array(LinkReading).optional(),
});
export type SnapshotMessage = z.infer<typeof SnapshotMessage>;

/**
 * Which event of which agent run: every client is sent the start-up events
 * again after its hello, and one that reconnects to the same run has shown
 * them already. A restarted agent is a new run, whose events are all new.
 */
export const EventId = z.object({
  /** Chosen at random when the agent starts. */
  run: z.string().min(1).max(64),
  /** From 1, in the order the agent raised its events. */
  seq: z.number().int().min(1),
});
export type EventId = z.infer<typeof EventId>;

export const EventMessage = z.object({
  type: z.literal('event'),
  /** Since 2.6. */
  id: EventId.optional(),
  at: z.number(),
  kind: z.enum([
    'traffic-paused',
    'traffic-resumed',
    'traffic-rate',
    'socket-created',
    'socket-reconfigured',
    'socket-destroyed',
    'socket-restored',
    'stages-paused',
    'stages-resumed',
    'stepped',
    'socket-error',
    'xdp-program-set',
    'same-frame-fed',
    'fault',
    'kernel-mismatch',
    'socket-attached',
    /** An attached socket was let go: detached, or its owner closed it or exited. */
    'socket-detached',
  ]),
  socketId: z.string().optional(),
  message: z.string(),
  /** Of a kernel-mismatch event (protocol 2.2): what changed. */
  mismatch: KernelMismatchChange.optional(),
});
export type EventMessage = z.infer<typeof EventMessage>;

export const AckMessage = z.object({ type: z.literal('ack'), requestId });
export type AckMessage = z.infer<typeof AckMessage>;

/**
 * The host's XSKs changed (another process opened or closed one): the new
 * list, which replaces the state's `discovered`. Apart from `state`, so a
 * host busy with sockets does not resend everything else each time.
 */
export const DiscoveredMessage = z.object({ type: z.literal('discovered'), xsks: z.array(DiscoveredXsk) });

/**
 * The client reads more slowly than snapshots come: the agent skips snapshots
 * for it from `fromSeq` on (never buffering without bound) and resumes, whole,
 * once the client has caught up.
 */
export const LaggingMessage = z.object({ type: z.literal('lagging'), fromSeq: count });

/** The entries of one ring from its consumer to its producer, oldest first. */
export const RingEntries = z.object({
  /** Data addresses, as the kernel means them (unaligned-mode offset added). */
  addresses: z.array(z.number()),
  /** Descriptor rings (RX, TX): length and options of each; empty for FILL and COMPLETION. */
  lengths: z.array(count),
  options: z.array(count),
});
export type RingEntries = z.infer<typeof RingEntries>;

/** One socket in full, on request: every descriptor in its rings and every frame's owner. */
export const SocketDetailMessage = z.object({
  type: z.literal('socketDetail'),
  requestId,
  socketId: z.string(),
  sampledAt: z.number(),
  entries: z.object({
    fill: RingEntries,
    rx: RingEntries.nullable(),
    tx: RingEntries.nullable(),
    completion: RingEntries,
  }),
  /** Base64 of one byte per frame: the owner's index in FRAME_OWNERS. */
  owners: z.string(),
  /** The rings' indices at the same instant: entry i of a ring sits at slot (consumer + i) mod size. */
  rings: z.object({
    fill: RingState,
    rx: RingState.nullable(),
    tx: RingState.nullable(),
    completion: RingState,
  }),
  consistent: z.boolean(),
  /** Since 2.5: what came back of the completion timestamps asked for; absent when the socket asks none. */
  txCompletionStamps: TxCompletionStamps.optional(),
});
export type SocketDetailMessage = z.infer<typeof SocketDetailMessage>;

/** One frame's bytes, on request (the packet inspector). */
export const FrameBytesMessage = z.object({
  type: z.literal('frameBytes'),
  requestId,
  socketId: z.string(),
  frame: count,
  /** Where the frame starts in the UMEM. */
  address: count,
  owner: FrameOwner,
  /** Length of the descriptor for this frame in RX or TX, if either ring holds one now. */
  length: count.nullable(),
  /** Where that descriptor's data starts in the chunk (headroom, XDP_PACKET_HEADROOM in copy mode, unaligned offset). */
  offset: count.nullable(),
  /** Base64 of the frame's whole chunk. */
  bytes: z.string(),
});
export type FrameBytesMessage = z.infer<typeof FrameBytesMessage>;

export const ErrorCode = z.enum([
  'bad-request',
  'unsupported-version',
  /** Something the agent did not expect went wrong answering the message; the agent logged it and goes on. */
  'agent-failed',
  'forbidden',
  'not-found',
  'kernel-refused',
  'ringside-limit',
  'rate-limited',
  /** Watching another process's socket was refused; the message names the fix. */
  'attach-refused',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorMessage = z.object({
  type: z.literal('error'),
  /** The request this error answers; null when the message had no readable id. */
  requestId: requestId.nullable(),
  code: ErrorCode,
  message: z.string(),
  /** Per field, when a configuration was refused before anything was touched. */
  problems: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type ErrorMessage = z.infer<typeof ErrorMessage>;

export const ServerMessage = z.discriminatedUnion('type', [
  HelloMessage,
  StateMessage,
  SnapshotMessage,
  EventMessage,
  AckMessage,
  DiscoveredMessage,
  LaggingMessage,
  SocketDetailMessage,
  FrameBytesMessage,
  ErrorMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

// ---------------------------------------------------------------- client -> server

export const ClientHello = z.object({ type: z.literal('hello'), protocol: ProtocolVersion });

export const SetTraffic = z.object({
  type: z.literal('setTraffic'),
  requestId,
  paused: z.boolean().optional(),
  ratePps: ratePps.optional(),
  /** Lab queues to send on (the source moves its sockets): shows multi-queue steering and the wrong-queue pitfall. */
  queueIds: z.array(u32).min(1).max(XSKMAP_ENTRIES).optional(),
  destinationPorts: z.array(udpPort).min(1).max(16).optional(),
  /** Since 2.3: bytes per frame from now on. */
  frameLength: TxTraffic.shape.frameLength.optional(),
  /** Since 2.3: send exactly this many frames more, then stop (a lesson's exact count); wins over `paused`. */
  frames: z.number().int().min(1).max(1_000_000).optional(),
});

export const SetSnapshotRate = z.object({
  type: z.literal('setSnapshotRate'),
  requestId,
  perSecond: z.number().int().min(1).max(60),
});

export const Resync = z.object({ type: z.literal('resync'), requestId });

const socketId = z.string().min(1).max(32);

export const CreateSocket = z.object({
  type: z.literal('createSocket'),
  requestId,
  socketId: socketId.regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes').optional(),
  request: SocketRequest,
});
export const ReconfigureSocket = z.object({
  type: z.literal('reconfigureSocket'),
  requestId,
  socketId,
  request: SocketRequest,
});
export const DestroySocket = z.object({ type: z.literal('destroySocket'), requestId, socketId });
export const PauseStages = z.object({
  type: z.literal('pauseStages'),
  requestId,
  socketId,
  stages: z.array(Stage).min(1),
});
export const ResumeStages = z.object({
  type: z.literal('resumeStages'),
  requestId,
  socketId,
  stages: z.array(Stage).min(1),
});
/** One batch of the stages named (all four when none are), paused or not. */
export const Step = z.object({
  type: z.literal('step'),
  requestId,
  socketId,
  stages: z.array(Stage).min(1).optional(),
});
export const SetSocketTraffic = z.object({
  type: z.literal('setSocketTraffic'),
  requestId,
  socketId,
  ratePps: TxTraffic.shape.ratePps.optional(),
  frameLength: TxTraffic.shape.frameLength.optional(),
  /** Since 2.3: send exactly this many frames more, then stop; 0 stops now. */
  frames: z.number().int().min(0).max(1_000_000).optional(),
});
export const InjectInvalidTx = z.object({ type: z.literal('injectInvalidTx'), requestId, socketId });
/**
 * A u64 as JSON: a safe integer, or a decimal or 0x-hex string for what a
 * double cannot hold (an address just "before" 0 is 2^64 − n).
 */
export const U64 = z.union([
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/, {
      message: 'a u64 is a whole number, or a decimal or 0x-hex string',
      // Without abort, zod would still run the refine below, whose BigInt() throws on such text.
      abort: true,
    })
    .refine((text) => BigInt(text) < 2n ** 64n, 'a u64 is below 2^64'),
]);
/** One struct xdp_desc as given, valid or not: the kernel judges it. */
export const TxDescriptor = z.object({
  addr: U64,
  len: z.number().int().min(0).max(0xffff_ffff),
  options: z.number().int().min(0).max(0xffff_ffff).optional(),
});
export type TxDescriptor = z.infer<typeof TxDescriptor>;
/**
 * Posts these descriptors on the socket's TX ring exactly as given, in
 * order, with one wakeup (the kernel selftests' invalid-descriptor table).
 * Frames of the ones that fit their chunk get a lab frame whose sequence
 * number is the descriptor's index. The agent refuses a table its TX ring
 * cannot hold; 65536 is Ringside's largest ring.
 */
export const SendTxDescriptors = z.object({
  type: z.literal('sendTxDescriptors'),
  requestId,
  socketId,
  descriptors: z.array(TxDescriptor).min(1).max(65536),
});
/** Posts one address outside the UMEM on the socket's FILL ring: the kernel skips it, and no XDP_STATISTICS counter moves. */
export const InjectInvalidFill = z.object({ type: z.literal('injectInvalidFill'), requestId, socketId });
/**
 * Puts one frame in FILL and TX at once, the FAQ's corruption. Without
 * `deliberately` the agent refuses and says why; with it, the frame goes and
 * the ledger shows it in two rings while a received frame may overwrite it.
 */
export const FeedSameFrame = z.object({
  type: z.literal('feedSameFrame'),
  requestId,
  socketId,
  deliberately: z.boolean(),
});
/** Loads one of Ringside's XDP programs on an interface; its sockets move into the new XSKMAP. */
export const SetXdpProgram = z.object({
  type: z.literal('setXdpProgram'),
  requestId,
  ifname: z.string().min(1).max(15),
  program: XdpProgramKind,
  /** steer-by-port: which XSKMAP index each UDP destination port goes to. */
  ports: z
    .array(z.object({ port: udpPort, index: xskmapIndex }))
    .max(64)
    .optional(),
});
/** Asks for one frame's bytes: only reads, so a view client may ask too. */
export const ReadFrame = z.object({ type: z.literal('readFrame'), requestId, socketId, frame: count });
/**
 * Asks for one socket's SocketDetailMessage with the snapshots (every
 * descriptor in its rings), at most DETAIL_PER_SECOND; null stops it. Only
 * reads, so a view client may subscribe too. While the socket is gone (being
 * reconfigured, recreated by a lesson) the client gets one error with
 * requestId "subscription", and the details resume when it is back.
 */
export const Subscribe = z.object({ type: z.literal('subscribe'), requestId, detailOf: socketId.nullable() });
export const DETAIL_PER_SECOND = 5;

/** Asks the kernel again about one socket (its KernelView); the new state follows the ack. Only reads: a view client may ask. */
export const RefreshKernelView = z.object({ type: z.literal('refreshKernelView'), requestId, socketId });

/** Asks for a SocketDetailMessage: only reads, so a view client may ask too. */
export const InspectSocket = z.object({ type: z.literal('inspectSocket'), requestId, socketId });

/** Watches another process's XSK read-only (a DiscoveredXsk's pid and fd): it becomes an observed socket. */
export const Attach = z.object({ type: z.literal('attach'), requestId, pid: count.min(1), fd: count });
/** Lets an attached socket go: its duplicate and mappings are released; the owner sees nothing. */
export const Detach = z.object({ type: z.literal('detach'), requestId, socketId });

/** Runs one lesson of agent/scenarios/ by name; acked when it has run, its outcome in the state's lessons. */
export const RunScenario = z.object({ type: z.literal('runScenario'), requestId, name: LessonSummary.shape.name });

// ---------------------------------------------------------------- parsing

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Names the offending field of each issue, so a bad message says what to fix. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
}

/** Parses JSON text with `schema`, saying what is wrong rather than throwing. */
export function parseJson<T>(schema: z.ZodType<T>, text: string): Parsed<T> {
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
  return parseJson(ServerMessage, text);
}
