import {
  DEFAULT_TRAFFIC,
  type InterfaceInfo,
  MAX_LAUNCH_TIME_OFFSET_NS,
  type Problem,
  type SocketFeatures,
  type SocketRequest,
  TxTraffic,
  txMetadataLengthProblems,
  type UmemConfig,
  type UmemLimits,
  validateSocket,
  validateSocketOptions,
  validateTxMetadata,
  validateTxMetadataRequests,
  validateUmem,
  type Workload,
  type XdpMode,
  XSKMAP_ENTRIES,
} from '@ringside/shared';

/**
 * A socket form as the user types it: numbers as text, so that a half-typed
 * value is shown as typed and refused with a reason rather than coerced.
 * Field names are the agent's (SocketRequest's leaf names), so a problem the
 * agent reports lands beside the same input a browser-side check would use.
 */
export interface SocketDraft {
  socketId: string;
  frameCount: string;
  frameSize: string;
  headroom: string;
  fillSize: string;
  completionSize: string;
  unaligned: boolean;
  /** tx_metadata_len; empty for no TX metadata. */
  txMetadataLength: string;
  /** XDP_UMEM_TX_SW_CSUM. */
  swChecksum: boolean;
  /** txonly asks each frame for a completion timestamp (XDP_TXMD_FLAGS_TIMESTAMP). */
  txTimestamp: boolean;
  /** txonly asks each frame for a launch time this many ns ahead (XDP_TXMD_FLAGS_LAUNCH_TIME); empty for none. */
  launchTimeOffsetNs: string;
  ifname: string;
  queueId: string;
  rxSize: string;
  txSize: string;
  xdpMode: XdpMode;
  copy: boolean;
  zeroCopy: boolean;
  needWakeup: boolean;
  batchSize: string;
  /** Busy polling: SO_PREFER_BUSY_POLL, SO_BUSY_POLL (µs) and SO_BUSY_POLL_BUDGET, set together. */
  busyPoll: boolean;
  preferBusyPoll: boolean;
  busyPollUsecs: string;
  busyPollBudget: string;
  /** XDP_MAX_TX_SKB_BUDGET; empty for the kernel's default. */
  txBudget: string;
  /** XDP_USE_SG at bind: frames of several chunks. */
  multiBuffer: boolean;
  workload: Workload;
  ratePps: string;
  frameLength: string;
  checks: 'ringside' | 'kernel';
  /** The UMEM to share (XDP_SHARED_UMEM); empty for a UMEM of its own. */
  umemId: string;
  /** The XSKMAP index asked for; empty to let the program choose. */
  xskmapIndex: string;
}

export type DraftField = keyof SocketDraft;

export function draftFrom(request: SocketRequest, socketId = ''): SocketDraft {
  const { umem, socket } = request;
  const traffic = request.traffic ?? DEFAULT_TRAFFIC;
  return {
    socketId,
    frameCount: String(umem.frameCount),
    frameSize: String(umem.frameSize),
    headroom: String(umem.headroom),
    fillSize: String(umem.fillSize),
    completionSize: String(umem.completionSize),
    unaligned: umem.unaligned,
    txMetadataLength: umem.txMetadata ? String(umem.txMetadata.length) : '',
    swChecksum: umem.txMetadata?.swChecksum ?? false,
    txTimestamp: request.txMetadataRequests?.timestamp ?? false,
    launchTimeOffsetNs: String(request.txMetadataRequests?.launchTimeOffsetNs ?? ''),
    ifname: socket.ifname,
    queueId: String(socket.queueId),
    rxSize: String(socket.rxSize),
    txSize: String(socket.txSize),
    xdpMode: socket.xdpMode,
    copy: socket.copy,
    zeroCopy: socket.zeroCopy,
    needWakeup: socket.needWakeup,
    batchSize: String(socket.batchSize),
    busyPoll: socket.busyPoll !== undefined,
    preferBusyPoll: socket.busyPoll?.preferBusyPoll ?? true,
    // xdpsock -B's values: 20 µs, a budget of one batch.
    busyPollUsecs: String(socket.busyPoll?.busyPollUsecs ?? 20),
    busyPollBudget: String(socket.busyPoll?.busyPollBudget ?? socket.batchSize),
    txBudget: socket.txBudget === undefined ? '' : String(socket.txBudget),
    multiBuffer: socket.multiBuffer === true,
    workload: request.workload,
    ratePps: String(traffic.ratePps),
    frameLength: String(traffic.frameLength),
    checks: request.checks ?? 'ringside',
    umemId: request.umemId ?? '',
    xskmapIndex: request.xskmapIndex === undefined ? '' : String(request.xskmapIndex),
  };
}

/** The draft's UMEM fields: locked to the shared UMEM's configuration while sharing, since the kernel takes it. */
export const UMEM_FIELDS = [
  'frameCount',
  'frameSize',
  'headroom',
  'fillSize',
  'completionSize',
  'unaligned',
  'txMetadataLength',
  'swChecksum',
] as const satisfies readonly DraftField[];

/** The draft sharing `umemId` (its configuration copied in), or with a UMEM of its own again (null). */
export function shareUmem(draft: SocketDraft, umem: { id: string; config: UmemConfig } | null): SocketDraft {
  if (!umem) return { ...draft, umemId: '' };
  const { config } = umem;
  return {
    ...draft,
    umemId: umem.id,
    frameCount: String(config.frameCount),
    frameSize: String(config.frameSize),
    headroom: String(config.headroom),
    fillSize: String(config.fillSize),
    completionSize: String(config.completionSize),
    unaligned: config.unaligned,
    txMetadataLength: config.txMetadata ? String(config.txMetadata.length) : '',
    swChecksum: config.txMetadata?.swChecksum ?? false,
  };
}

const NUMBER_FIELDS = [
  'frameCount',
  'frameSize',
  'headroom',
  'fillSize',
  'completionSize',
  'queueId',
  'rxSize',
  'txSize',
  'batchSize',
  'ratePps',
  'frameLength',
] as const satisfies readonly DraftField[];

/** Read only while busy polling is on, and (txBudget, txMetadataLength, launchTimeOffsetNs) when not left empty. */
const OPTION_NUMBER_FIELDS = [
  'busyPollUsecs',
  'busyPollBudget',
  'txBudget',
  'txMetadataLength',
  'launchTimeOffsetNs',
] as const satisfies readonly DraftField[];

const SOCKET_ID = /^[a-z][a-z0-9-]*$/;

export interface DraftCheck {
  /** The request to send, when nothing is wrong. */
  request: SocketRequest | null;
  problems: Problem[];
}

/** Whether the workload sends frames of its own (and so has a rate and frame length to set). */
export function sends(workload: Workload): boolean {
  return workload === 'txonly';
}

/**
 * Reads and checks a draft with the agent's own rules (shared/src/validation.ts)
 * and limits (the state's umemLimits and interface facts). With checks set to
 * 'kernel', Ringside's rules are skipped here as they are in the agent: only
 * what the protocol itself cannot carry is refused, and what Ringside's own
 * data plane would write past its room. `features` (the socket
 * options the agent's kernel took) is null from an agent that sends none.
 */
export function checkDraft(
  draft: SocketDraft,
  limits: UmemLimits,
  interfaces: readonly InterfaceInfo[],
  creating: boolean,
  features: SocketFeatures | null = null,
): DraftCheck {
  const problems: Problem[] = [];
  const numbers = {} as Record<(typeof NUMBER_FIELDS)[number] | (typeof OPTION_NUMBER_FIELDS)[number], number>;
  const read = (field: (typeof NUMBER_FIELDS)[number] | (typeof OPTION_NUMBER_FIELDS)[number]) => {
    const text = draft[field].trim();
    const value = text === '' ? Number.NaN : Number(text);
    if (!Number.isInteger(value) || value < 0) {
      problems.push({ field, message: 'enter a whole number, 0 or more' });
    }
    numbers[field] = value;
  };
  for (const field of NUMBER_FIELDS) read(field);
  if (draft.busyPoll) {
    read('busyPollUsecs');
    read('busyPollBudget');
  }
  if (draft.txBudget.trim() !== '') read('txBudget');
  const txMetadata = draft.txMetadataLength.trim() !== '';
  if (txMetadata) read('txMetadataLength');
  // The requests' inputs show only with a metadata length: without one they are not read, and not sent.
  const launchTime = txMetadata && draft.launchTimeOffsetNs.trim() !== '';
  if (launchTime) read('launchTimeOffsetNs');
  if (launchTime && numbers.launchTimeOffsetNs > MAX_LAUNCH_TIME_OFFSET_NS) {
    problems.push({ field: 'launchTimeOffsetNs', message: `at most ${MAX_LAUNCH_TIME_OFFSET_NS} ns (1 s)` });
  }
  if (creating && draft.socketId !== '' && !SOCKET_ID.test(draft.socketId)) {
    problems.push({
      field: 'socketId',
      message: 'lower-case letters, digits and dashes, starting with a letter (or empty for the next free id)',
    });
  }
  if (draft.socketId.length > 32) problems.push({ field: 'socketId', message: 'at most 32 characters' });
  const indexText = draft.xskmapIndex.trim();
  const xskmapIndex = indexText === '' ? undefined : Number(indexText);
  if (
    xskmapIndex !== undefined &&
    (!Number.isInteger(xskmapIndex) || xskmapIndex < 0 || xskmapIndex >= XSKMAP_ENTRIES)
  ) {
    problems.push({
      field: 'xskmapIndex',
      message: `an XSKMAP index is a whole number from 0 to ${XSKMAP_ENTRIES - 1} (or empty to let the program choose)`,
    });
  }
  if (problems.length > 0) return { request: null, problems };

  const request: SocketRequest = {
    umem: {
      frameCount: numbers.frameCount,
      frameSize: numbers.frameSize,
      headroom: numbers.headroom,
      fillSize: numbers.fillSize,
      completionSize: numbers.completionSize,
      unaligned: draft.unaligned,
      ...(txMetadata ? { txMetadata: { length: numbers.txMetadataLength, swChecksum: draft.swChecksum } } : {}),
    },
    socket: {
      ifname: draft.ifname,
      queueId: numbers.queueId,
      rxSize: numbers.rxSize,
      txSize: numbers.txSize,
      xdpMode: draft.xdpMode,
      copy: draft.copy,
      zeroCopy: draft.zeroCopy,
      needWakeup: draft.needWakeup,
      batchSize: numbers.batchSize,
      ...(draft.busyPoll
        ? {
            busyPoll: {
              preferBusyPoll: draft.preferBusyPoll,
              busyPollUsecs: numbers.busyPollUsecs,
              busyPollBudget: numbers.busyPollBudget,
            },
          }
        : {}),
      ...(draft.txBudget.trim() !== '' ? { txBudget: numbers.txBudget } : {}),
      ...(draft.multiBuffer ? { multiBuffer: true } : {}),
    },
    workload: draft.workload,
    checks: draft.checks,
    ...(txMetadata && (draft.txTimestamp || launchTime)
      ? {
          txMetadataRequests: {
            timestamp: draft.txTimestamp,
            launchTimeOffsetNs: launchTime ? numbers.launchTimeOffsetNs : null,
          },
        }
      : {}),
    ...(draft.umemId ? { umemId: draft.umemId } : {}),
    ...(xskmapIndex !== undefined ? { xskmapIndex } : {}),
  };
  if (sends(draft.workload)) {
    const traffic = { ratePps: numbers.ratePps, frameLength: numbers.frameLength };
    const parsed = TxTraffic.safeParse(traffic);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0]);
        const range = field === 'ratePps' ? 'from 1 to 10000000' : 'from 60 to 65535';
        problems.push({ field, message: `${field === 'ratePps' ? 'rate' : 'frame length'} must be ${range}` });
      }
    }
    request.traffic = traffic;
  }
  if (draft.checks === 'ringside') {
    problems.push(...validateUmem(request.umem, limits));
    const device = interfaces.find((candidate) => candidate.name === draft.ifname) ?? null;
    problems.push(...validateSocket(request.socket, request.workload, device));
    if (features) problems.push(...validateSocketOptions(request.socket, features));
    if (features) problems.push(...validateTxMetadata(request.umem, features.txMetadata, features.kernel));
    problems.push(...validateTxMetadataRequests(request, device, features?.kernel ?? ''));
  }
  // Held whatever the checks, as the agent holds it: what txonly writes in front of each frame must fit there.
  problems.push(...txMetadataLengthProblems(request));
  return problems.length > 0 ? { request: null, problems } : { request, problems };
}

/** Problems for one field, in the order they were found. */
export function problemsFor(problems: readonly Problem[], field: string): string[] {
  return problems.filter((problem) => problem.field === field).map((problem) => problem.message);
}
