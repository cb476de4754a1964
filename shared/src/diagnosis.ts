import type {
  AttachedSocketInfo,
  LinkReading,
  SnapshotMessage,
  SocketInfo,
  SocketSample,
  StateMessage,
  XdpActions,
  XdpProgramInfo,
  XdpStatistics,
} from './protocol.ts';
import { counterDelta, ringOccupancy } from './rings.ts';

/**
 * "I am not seeing any traffic on the socket" (the spec's first FAQ),
 * answered along the path a frame takes to one socket: each stage with the
 * evidence the agent sent and, when it fails, the fix in the spec's words.
 * Counters are compared between two snapshots a few seconds apart, so a stage
 * judges what happens now, not what happened once.
 */
export const DIAGNOSIS_STAGES = ['link', 'queue', 'program', 'actions', 'xskmap', 'binding', 'fill', 'rx'] as const;
export type DiagnosisStage = (typeof DIAGNOSIS_STAGES)[number];

export type StageStatus = 'ok' | 'failing' | 'unknown';

export interface StageFinding {
  stage: DiagnosisStage;
  status: StageStatus;
  /** What this stage checks, for this socket: "frames reach queue 1". */
  title: string;
  /** What the agent's readings show. */
  evidence: string;
  /** What to do, when the stage fails. */
  fix: string | null;
}

export interface Diagnosis {
  /** `receiving`: frames reach the application; `failing`: a stage is at fault; `quiet`: nothing received, no stage to blame. */
  verdict: 'receiving' | 'failing' | 'quiet';
  /** The first failing stage, if any. */
  failing: DiagnosisStage | null;
  /** The verdict in one line. */
  line: string;
  stages: StageFinding[];
  /** The XDP_STATISTICS counters the failing stage blames: those a page highlights. */
  blames: (keyof XdpStatistics)[];
}

/**
 * What the diagnosis reads of the state (beside two snapshots a few seconds apart). `lab` and `traffic`: the
 * lab's source sends from the peer end to the sockets on the app end, to known ports.
 */
export type DiagnosisState = Pick<StateMessage, 'sockets' | 'attached' | 'xdpPrograms' | 'traffic' | 'lab'>;

interface Facts {
  socket: SocketInfo;
  sockets: readonly SocketInfo[];
  program: XdpProgramInfo | null;
  trafficPorts: readonly number[] | null;
  seconds: number;
  now: SocketSample;
  before: SocketSample | null;
  link: LinkReading | null;
  linkBefore: LinkReading | null;
  actions: XdpActions | null;
  actionsBefore: XdpActions | null;
}

const perSecond = (delta: number, seconds: number) => Math.round(Math.max(0, delta) / seconds);
const list = (items: readonly (string | number)[]) =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

type Check = (facts: Facts) => Omit<StageFinding, 'stage'>;

function ok(title: string, evidence: string): Omit<StageFinding, 'stage'> {
  return { status: 'ok', title, evidence, fix: null };
}
function unknown(title: string, evidence: string): Omit<StageFinding, 'stage'> {
  return { status: 'unknown', title, evidence, fix: null };
}
function failing(title: string, evidence: string, fix: string): Omit<StageFinding, 'stage'> {
  return { status: 'failing', title, evidence, fix };
}

const checkLink: Check = ({ socket, link }) => {
  const ifname = socket.config.ifname;
  const title = `${ifname} is up`;
  if (!link) return unknown(title, `no reading of ${ifname}'s link yet`);
  return link.up
    ? ok(title, `${ifname} is up and has a carrier`)
    : failing(
        title,
        `${ifname} is down or has no carrier: nothing is received on it`,
        `bring it up (ip link set ${ifname} up); a veth has a carrier only while its peer is up too`,
      );
};

/** Frames (or drops) per second on each receive queue between the two readings; null when the driver counts none per queue. */
function queueRates(facts: Facts, counter: 'frames' | 'drops' = 'frames'): number[] | null {
  const { link, linkBefore } = facts;
  // Links are read less often than snapshots: the same reading twice measures nothing.
  const seconds = link && linkBefore ? (link.readAt - linkBefore.readAt) / 1000 : 0;
  if (!link?.queues || !linkBefore?.queues || seconds <= 0) return null;
  const before = linkBefore.queues;
  return link.queues.map((queue, i) => perSecond(queue[counter] - (before[i]?.[counter] ?? queue[counter]), seconds));
}

const checkQueue: Check = (facts) => {
  const { ifname, queueId } = facts.socket.config;
  const title = `frames reach queue ${queueId}`;
  const rates = queueRates(facts);
  if (!rates) return unknown(title, `${ifname}'s driver counts no frames per queue`);
  const own = rates[queueId] ?? 0;
  if (own > 0) return ok(title, `${own} frames/s arrive on queue ${queueId}`);
  const busy = rates.flatMap((rate, queue) => (rate > 0 ? [queue] : []));
  if (busy.length > 0) {
    return failing(
      title,
      `frames arrive on queue ${list(busy.map((queue) => `${queue} (${rates[queue]}/s)`))}, none on queue ${queueId}, the one ${facts.socket.id} is bound to`,
      `a socket only gets the traffic towards the queue it is bound to: bind to queue ${list(busy)}, or steer the traffic to queue ${queueId} (ethtool -N ${ifname} flow-type … action ${queueId}), or force one queue (ethtool -L ${ifname} combined 1) and bind to queue 0`,
    );
  }
  // veth counts per queue only on its XDP path (seen: frames across a veth pair with no program leave
  // rx_queue_0_xdp_packets at 0), so without a program zero says nothing.
  if (!facts.program) return unknown(title, `no frame counted on any queue of ${ifname}`);
  return failing(
    title,
    `no frame arrives on any queue of ${ifname}`,
    `nothing reaches ${ifname}: check the sender and its route (in the lab, resume the traffic source)`,
  );
};

const checkProgram: Check = ({ socket, program }) => {
  const ifname = socket.config.ifname;
  const title = `an XDP program runs on ${ifname}`;
  if (!program) {
    return failing(
      title,
      `no XDP program is attached to ${ifname}: every frame goes to the kernel stack`,
      `frames reach an AF_XDP socket only through an XDP program that redirects them into an XSKMAP (bpf_redirect_map); xsk_socket__create loads libxdp's unless told not to (in Ringside, choose a program for ${ifname})`,
    );
  }
  const whose = program.kind === 'other' ? 'not Ringside’s' : program.kind;
  return ok(title, `${program.name} (id ${program.programId}, ${whose}) in ${program.mode} mode`);
};

const checkActions: Check = (facts) => {
  const { program, actions, actionsBefore, seconds } = facts;
  const title = 'the program redirects frames to the XSKMAP';
  if (!program) return unknown(title, 'no program');
  if (!actions || !actionsBefore) {
    // What the driver counts is all there is: veth counts a frame redirected to a socket of another queue as a drop.
    const queue = facts.socket.config.queueId;
    const drops = queueRates(facts, 'drops')?.[queue] ?? 0;
    return unknown(
      title,
      `${program.name} is not Ringside's: its actions are not counted; what it does is up to its code (id ${program.programId})${drops > 0 ? `; the driver drops ${drops} frames/s of queue ${queue}, as it does for a frame redirected to a socket of another queue` : ''}`,
    );
  }
  const rate = (action: keyof XdpActions) => perSecond(actions[action] - actionsBefore[action], seconds);
  const [redirected, passed, dropped, noSocket, wrongQueue] = [
    rate('redirected'),
    rate('passed'),
    rate('dropped'),
    rate('noSocket'),
    rate('wrongQueue'),
  ];
  if (redirected + passed + dropped + wrongQueue === 0) return unknown(title, `${program.name} saw no frame`);
  const counted = `redirected ${redirected}/s, to an empty index ${noSocket}/s, to a socket of another queue ${wrongQueue}/s, passed ${passed}/s, dropped ${dropped}/s`;
  if (redirected + noSocket + wrongQueue > 0) return ok(title, counted);
  return failing(
    title,
    `${program.name} chose no XSKMAP index: ${counted}`,
    program.kind === 'steer-by-port'
      ? 'route the traffic’s UDP destination port to the socket’s XSKMAP index'
      : 'the program must return bpf_redirect_map() into the XSKMAP for these frames',
  );
};

/** The XSKMAP indices this program sends frames of the socket's queue to (bpf/: by queue, in turn, by UDP port). */
function indicesFor(facts: Facts): number[] | null {
  const { program, socket, trafficPorts } = facts;
  if (!program?.xskmap) return null;
  switch (program.kind) {
    case 'by-queue':
    case 'drop-half':
    case 'rx-metadata':
    case 'libxdp-default':
      return [socket.config.queueId];
    case 'round-robin': {
      const highest = Math.max(-1, ...program.xskmap.entries.map((entry) => entry.index));
      return Array.from({ length: highest + 1 }, (_, index) => index);
    }
    case 'steer-by-port':
      return program.ports
        .filter((route) => trafficPorts === null || trafficPorts.includes(route.port))
        .map((route) => route.index);
    default:
      return null;
  }
}

const checkXskmap: Check = (facts) => {
  const { socket, sockets, program } = facts;
  const queue = socket.config.queueId;
  const title = `the XSKMAP index holds a socket of queue ${queue}`;
  const indices = indicesFor(facts);
  if (program?.xskmap && indices === null) {
    const map = program.xskmap;
    return unknown(
      title,
      `${map.name} (id ${map.id}, ${map.maxEntries} entries) is not Ringside's: the kernel does not let user space read which socket sits at an index`,
    );
  }
  if (!program?.xskmap || indices === null) return unknown(title, 'the program has no XSKMAP Ringside can find');
  if (socket.xskmapIndex !== null && indices.includes(socket.xskmapIndex)) {
    return ok(title, `frames of queue ${queue} go to index ${socket.xskmapIndex}, which holds ${socket.id}`);
  }
  const where =
    socket.xskmapIndex === null ? `${socket.id} is in no index` : `${socket.id} sits at index ${socket.xskmapIndex}`;
  const fix = `put ${socket.id} at index ${list(indices)} (xsk_socket__update_xskmap): the XSKMAP can only switch traffic coming in on queue ${queue} to sockets bound to queue ${queue}`;
  const index = indices[0];
  if (index === undefined) return failing(title, `the program sends frames of queue ${queue} to no index`, fix);
  const entry = program.xskmap.entries.find((candidate) => candidate.index === index);
  const holder = entry ? sockets.find((candidate) => candidate.id === entry.socketId) : undefined;
  if (!entry) {
    return failing(
      title,
      `frames of queue ${queue} go to index ${index}, which is empty (${where}): they are passed or dropped as “no socket”`,
      fix,
    );
  }
  const holderQueue = holder?.config.queueId;
  if (holderQueue !== undefined && holderQueue !== queue) {
    return failing(
      title,
      `index ${index} holds ${entry.socketId}, bound to queue ${holderQueue}: the kernel drops frames of queue ${queue} redirected there (“wrong queue”; ${where})`,
      fix,
    );
  }
  return failing(title, `frames of queue ${queue} go to index ${index}, which holds ${entry.socketId} (${where})`, fix);
};

/**
 * Ringside's programs read the queue a socket is bound to from the XSKMAP
 * entry itself, the kernel's own record: frames of queue q sent only to this
 * socket's index and counted as "wrong queue" mean the kernel has it bound
 * elsewhere.
 */
const checkBinding: Check = (facts) => {
  const { socket, actions, actionsBefore, seconds } = facts;
  const { ifname, queueId, rxSize } = socket.config;
  const title = `${socket.id} is bound to ${ifname} queue ${queueId}`;
  const bound = `bound to ${ifname} queue ${queueId} in ${socket.zeroCopyActive ? 'zero-copy' : 'copy'} mode, RX ring of ${rxSize}`;
  const indices = indicesFor(facts);
  const onlyOwnIndex = indices?.length === 1 && indices[0] === socket.xskmapIndex;
  const refused = actions && actionsBefore ? perSecond(actions.wrongQueue - actionsBefore.wrongQueue, seconds) : 0;
  if (!onlyOwnIndex || refused === 0) return ok(title, bound);
  return failing(
    title,
    `the program finds ${socket.id} at index ${socket.xskmapIndex} bound to another queue than ${queueId}: the kernel refuses ${refused} frames/s (“wrong queue”)`,
    `bind ${socket.id} to ${ifname} queue ${queueId}: a socket only receives the frames of the queue it is bound to`,
  );
};

/** What the FILL and RX stages read: the socket's samples, the same for Ringside's sockets and attached ones. */
type Samples = Pick<Facts, 'now' | 'before' | 'seconds'>;

/** The socket's sample in `now`, and in `before` when the two are far enough apart to give rates. */
function samplesOf(socketId: string, before: SnapshotMessage, now: SnapshotMessage): Samples | null {
  const sample = now.sockets.find((candidate) => candidate.socketId === socketId);
  if (!sample) return null;
  const seconds = (now.sampledAt - before.sampledAt) / 1000;
  const earlier = seconds > 0 ? (before.sockets.find((candidate) => candidate.socketId === socketId) ?? null) : null;
  return { now: sample, before: earlier, seconds };
}

function statRate(facts: Samples, field: keyof XdpStatistics): number | null {
  if (!facts.before) return null;
  return perSecond(facts.now.stats[field] - facts.before.stats[field], facts.seconds);
}

function ringHolds(facts: Samples, ring: 'fill' | 'rx'): string {
  const state = facts.now.rings[ring];
  return state ? `${ringOccupancy(state)} of ${state.size}` : 'nothing (no ring)';
}

const checkFill = (facts: Samples): Omit<StageFinding, 'stage'> => {
  const title = 'FILL has buffers';
  const empty = statRate(facts, 'rxFillRingEmptyDescs');
  const holds = `FILL holds ${ringHolds(facts, 'fill')}`;
  if (empty === null) return unknown(title, holds);
  if (empty === 0) return ok(title, `${holds}; rx_fill_ring_empty_descs steady`);
  const paused = facts.now.pausedStages.includes('fillRefill') ? ' (Refill FILL is paused: resume it)' : '';
  const fill = facts.now.rings.fill;
  // A FILL that holds entries now still failed if the kernel found it empty between refills: say both.
  const between = fill && ringOccupancy(fill) > 0 ? ' now, yet between refills' : ';';
  return failing(
    title,
    `${holds}${between} the kernel found FILL empty and dropped the frame ${empty} times/s (rx_fill_ring_empty_descs)`,
    `the application must keep giving the kernel free UMEM frames on the FILL ring: it receives only into those${paused}`,
  );
};

const checkRx = (facts: Samples): Omit<StageFinding, 'stage'> => {
  const title = 'RX is drained';
  const full = statRate(facts, 'rxRingFull');
  const holds = `RX holds ${ringHolds(facts, 'rx')}`;
  if (full === null) return unknown(title, holds);
  if (full === 0) return ok(title, `${holds}; rx_ring_full steady`);
  const paused = facts.now.pausedStages.includes('rxDrain') ? ' (Drain RX is paused: resume it)' : '';
  return failing(
    title,
    `${holds}; RX was full and the kernel dropped the frame ${full} times/s (rx_ring_full)`,
    `the application must consume RX descriptors as fast as frames arrive, and hand their frames back to FILL${paused}`,
  );
};

/**
 * Ringside's own sockets are driven by its data plane: once that worker was
 * left down, nothing gives FILL frames or drains RX, whatever the counters
 * say, and the fix is a new worker, not a resumed stage.
 */
function drivenBy(check: (facts: Samples) => Omit<StageFinding, 'stage'>): Check {
  return (facts) => {
    const dataPlane = facts.socket.dataPlane;
    if (dataPlane?.state !== 'down') return check(facts);
    const { title } = check(facts);
    return failing(
      title,
      `the data plane driving ${facts.socket.id}'s rings is down: ${dataPlane.reason}`,
      'reconfigure the socket (Apply in its form) to start a new data-plane worker on it',
    );
  };
}

const CHECKS: Record<DiagnosisStage, Check> = {
  link: checkLink,
  queue: checkQueue,
  program: checkProgram,
  actions: checkActions,
  xskmap: checkXskmap,
  binding: checkBinding,
  fill: drivenBy(checkFill),
  rx: drivenBy(checkRx),
};

const BLAMES: Partial<Record<DiagnosisStage, (keyof XdpStatistics)[]>> = {
  fill: ['rxFillRingEmptyDescs', 'rxDropped'],
  rx: ['rxRingFull'],
};

function factsOf(
  state: DiagnosisState,
  socket: SocketInfo,
  before: SnapshotMessage,
  now: SnapshotMessage,
): Facts | null {
  const samples = samplesOf(socket.id, before, now);
  if (!samples) return null;
  const ifname = socket.config.ifname;
  const comparable = samples.seconds > 0;
  const counters = (snapshot: SnapshotMessage) =>
    snapshot.programs.find((program) => program.ifname === ifname) ?? null;
  return {
    socket,
    sockets: state.sockets,
    program: state.xdpPrograms.find((program) => program.ifname === ifname) ?? null,
    // The source's own interface is the lab's peer end: what it sends arrives on the app end.
    trafficPorts: state.traffic && state.lab?.appIfname === ifname ? state.traffic.destinationPorts : null,
    ...samples,
    link: now.links?.find((link) => link.ifname === ifname) ?? null,
    linkBefore: comparable ? (before.links?.find((link) => link.ifname === ifname) ?? null) : null,
    actions: counters(now),
    actionsBefore: comparable ? counters(before) : null,
  };
}

/**
 * Diagnoses one socket from the state and two snapshots, `before` a few
 * seconds older than `now` (rates need the gap). Null when `now` has no
 * sample of the socket.
 */
export function diagnose(
  state: DiagnosisState,
  socketId: string,
  before: SnapshotMessage,
  now: SnapshotMessage,
): Diagnosis | null {
  const socket = state.sockets.find((candidate) => candidate.id === socketId);
  const attached = state.attached.find((candidate) => candidate.id === socketId);
  if (!socket && attached) return diagnoseAttached(attached, before, now);
  const facts = socket ? factsOf(state, socket, before, now) : null;
  if (!facts) return null;
  if (facts.socket.config.rxSize === 0) return sendsOnly(socketId);
  const stages = DIAGNOSIS_STAGES.map((stage) => ({ stage, ...CHECKS[stage](facts) }));
  const diagnosis = verdictOf(stages, facts, {
    receiving: (received) => `receiving: ${received} frames/s`,
    quiet: 'nothing received, and no stage is at fault',
  });
  const idle = state.lab?.appIfname === facts.socket.config.ifname ? idleLabSource(state.traffic) : null;
  return idle === null ? diagnosis : withIdleSource(diagnosis, idle);
}

/** Why the lab's source sends nothing now, with what to do; null while it sends (or there is none). */
function idleLabSource(traffic: DiagnosisState['traffic']): string | null {
  // Down, it sends nothing whether paused or not: resuming alone would not help, any change in its controls does.
  if (traffic?.dataPlane?.state === 'down')
    return `the lab's traffic source is down (${traffic.dataPlane.reason}): any change in the traffic controls starts it again`;
  if (traffic?.paused) return "the lab's traffic source is paused: resume it in the traffic controls (or press t)";
  if (traffic?.ratePps === 0)
    return "the lab's traffic source sends 0 frames/s: raise its rate in the traffic controls";
  return null;
}

/**
 * The lab's traffic source is none of the stages (they follow a frame from
 * the interface on), yet a lab socket that receives nothing while it is
 * paused (as every lesson leaves it), sends at rate 0 or is down has its answer there:
 * said first. The queue stage then fails only for want of frames, so it is
 * no fault of its own; any other failing stage still is, and follows.
 */
function withIdleSource(diagnosis: Diagnosis, idle: string): Diagnosis {
  if (diagnosis.verdict === 'receiving') return diagnosis;
  if (diagnosis.failing === null || diagnosis.failing === 'queue') {
    return { ...diagnosis, verdict: 'quiet', failing: null, blames: [], line: `nothing received: ${idle}` };
  }
  return { ...diagnosis, line: `nothing received: ${idle}; and ${diagnosis.line}` };
}

function sendsOnly(socketId: string): Diagnosis {
  return { verdict: 'quiet', failing: null, line: `no RX ring: ${socketId} only sends`, stages: [], blames: [] };
}

/** The first failing stage is the verdict; with none, whether frames arrive. */
function verdictOf(
  stages: StageFinding[],
  samples: Samples,
  lines: { receiving: (framesPerSecond: number) => string; quiet: string },
): Diagnosis {
  const first = stages.find((finding) => finding.status === 'failing');
  if (first) {
    return {
      verdict: 'failing',
      failing: first.stage,
      line: `${first.title}: no — ${first.evidence}`,
      stages,
      blames: BLAMES[first.stage] ?? [],
    };
  }
  const { before, now, seconds } = samples;
  const received = before === null ? 0 : perSecond(framesReceived(before, now), seconds);
  return received > 0
    ? { verdict: 'receiving', failing: null, line: lines.receiving(received), stages, blames: [] }
    : { verdict: 'quiet', failing: null, line: lines.quiet, stages, blames: [] };
}

/**
 * Another process's socket, attached read-only: judged from what is known of
 * it, the kernel's facts (each with its source), its rings' indices and its
 * XDP_STATISTICS. The stages that need what only its owner knows, or what
 * Ringside reads only of its own interfaces and programs, are named as not
 * judged, with the reason; a failing one is never guessed.
 */
function diagnoseAttached(socket: AttachedSocketInfo, before: SnapshotMessage, now: SnapshotMessage): Diagnosis | null {
  const samples = samplesOf(socket.id, before, now);
  if (!samples) return null;
  const { kernel } = socket;
  if (kernel.rings.rx.source !== 'unknown' && !kernel.rings.rx.present) return sendsOnly(socket.id);
  const ifname = kernel.ifname.value;
  const device = ifname === null ? 'its interface (not known)' : ifname;
  const where = `${device} in pid ${socket.origin.pid}'s namespace`;
  const fromFact = (fact: { source: string; note?: string | undefined }) =>
    `${fact.source}${fact.note ? `: ${fact.note}` : ''}`;
  const program = (): Omit<StageFinding, 'stage'> => {
    const title = `an XDP program runs on ${device}`;
    const { xdpMode, xdpProgramId } = kernel;
    if (xdpMode.source === 'unknown') return unknown(title, `not judged: ${fromFact(xdpMode)}`);
    if (xdpMode.value === null) {
      return failing(
        title,
        `no XDP program is attached to ${device} (${fromFact(xdpMode)}): every frame goes to the kernel stack`,
        `frames reach an AF_XDP socket only through an XDP program that redirects them into an XSKMAP; ${socket.origin.command} must load one`,
      );
    }
    return ok(title, `program id ${xdpProgramId.value ?? 'unknown'} in ${xdpMode.value} mode (${fromFact(xdpMode)})`);
  };
  const binding = (): Omit<StageFinding, 'stage'> => {
    const queue = kernel.queueId.value;
    const title = `${socket.id} is bound to ${device} queue ${queue ?? '(not known)'}`;
    if (ifname === null || queue === null) return unknown(title, `not judged: ${fromFact(kernel.queueId)}`);
    const rx = kernel.rings.rx.present
      ? `RX ring of ${kernel.rings.rx.candidates.join(' or ')}`
      : 'RX ring of a size not known';
    return ok(title, `bound to ${ifname} queue ${queue}, ${rx} (${fromFact(kernel.queueId)})`);
  };
  const notRead = (title: string, why: string) => () => unknown(title, `not judged: ${why}`);
  const checks: Record<DiagnosisStage, () => Omit<StageFinding, 'stage'>> = {
    link: notRead(`${device} is up`, `Ringside reads the links of its own interfaces only, not of ${where}`),
    queue: notRead(
      'frames reach its queue',
      `Ringside reads per-queue counters of its own interfaces only, not of ${where}`,
    ),
    program,
    actions: notRead(
      'the program redirects frames to the XSKMAP',
      `the program is ${socket.origin.command}'s, not Ringside's: its actions are not counted`,
    ),
    xskmap: notRead(
      'the XSKMAP index holds this socket',
      `the kernel does not let user space read which socket sits at an index of ${socket.origin.command}'s XSKMAP`,
    ),
    binding,
    fill: () => checkFill(samples),
    rx: () => checkRx(samples),
  };
  const stages = DIAGNOSIS_STAGES.map((stage) => ({ stage, ...checks[stage]() }));
  const notJudged = `not judged: ${list(stages.filter((finding) => finding.status === 'unknown').map((finding) => finding.stage))}`;
  return verdictOf(stages, samples, {
    receiving: (received) => `receiving: ${received} frames/s (${notJudged})`,
    quiet: `nothing received, and no stage Ringside can judge is at fault (${notJudged})`,
  });
}

/**
 * XDP_STATISTICS counters that rise in a healthy socket of this kind, and
 * why: shown as context, never as a problem. In copy mode a wakeup of the TX
 * path (a poll or a sendto) that finds TX empty, or empties it, counts once
 * (xskq_cons_read_desc): rxdrop polls while it waits, and a sender's sendto,
 * which sends at most 32 frames, counts when it sent all of TX. Seen on this
 * project's kernel for both (agent/test/diagnosis.test.ts).
 */
export function expectedRises(socket: SocketInfo): Partial<Record<keyof XdpStatistics, string>> {
  if (socket.config.txSize === 0) return {};
  const why =
    socket.workload === 'rxdrop'
      ? 'expected: each poll of this rxdrop socket wakes its TX path, which finds TX empty'
      : `expected: each sendto of ${socket.workload} that empties TX ends by finding it empty`;
  return { txRingEmptyDescs: why };
}

/**
 * Frames received between two samples: the data plane's count for Ringside's
 * own sockets; for an attached one, whose counters are the owner's private
 * memory, how far the kernel moved RX's producer.
 */
function framesReceived(before: SocketSample, now: SocketSample): number {
  if (before.totals && now.totals) return now.totals.rxPackets - before.totals.rxPackets;
  if (before.rings.rx && now.rings.rx) return counterDelta(before.rings.rx.producer, now.rings.rx.producer);
  return 0;
}
