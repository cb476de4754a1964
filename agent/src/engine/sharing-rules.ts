import {
  type Problem,
  RINGSIDE_MAX_BATCH,
  RINGSIDE_MAX_RING,
  RINGSIDE_MAX_UMEM_BYTES,
  type SocketRequest,
  type UmemConfig,
} from '@ringside/shared';
import { MAX_HOLDERS } from '../xsk/ledger.ts';

/**
 * The rules for sockets that share a UMEM (XDP_SHARED_UMEM), as pure
 * functions of what is running: the kernel's (one UMEM per queue, a sharing
 * socket binds with its owner's flags), libxdp 1.3's (several sockets on one
 * queue only on the owner's; the owner's socket stays bound until its UMEM
 * goes) and Ringside's own (a sharing request restates the UMEM's
 * configuration; at most MAX_HOLDERS sockets and queues per UMEM).
 */

export interface UmemRecord {
  id: string;
  config: UmemConfig;
  /** The UMEM's first socket: libxdp keeps its fd, which is the UMEM's. */
  ownerId: string | null;
  socketIds: readonly string[];
  /** One FILL/COMPLETION pair per (netdev, queue) the UMEM is bound on, and the sockets using it. */
  pairs: readonly { ifname: string; queueId: number; socketIds: readonly string[] }[];
}

export interface RunningSockets {
  umems: ReadonlyMap<string, UmemRecord>;
  /** Every running socket: what it was asked to be, and the UMEM it is on. */
  sockets: ReadonlyMap<string, { request: SocketRequest; umemId: string }>;
}

/** The (netdev, queue) a socket binds to. */
export const queueOf = (request: SocketRequest) => `${request.socket.ifname}/${request.socket.queueId}`;

export const sameUmemConfig = (a: UmemConfig, b: UmemConfig) =>
  (Object.keys(a) as (keyof UmemConfig)[]).every((key) => a[key] === b[key]);

/**
 * What stands against `request` on a UMEM beside the running sockets.
 * `replacing` is the socket being reconfigured: it may keep its own queue and UMEM.
 */
export function sharingProblems(request: SocketRequest, replacing: string | null, running: RunningSockets): Problem[] {
  const own = replacing ? umemOf(replacing, running) : undefined;
  const target = request.umemId !== undefined ? running.umems.get(request.umemId) : undefined;
  const problems =
    request.umemId !== undefined
      ? joiningProblems(request, request.umemId, target, own, replacing, running)
      : own && own.socketIds.length > 1 && !sameUmemConfig(request.umem, own.config)
        ? [
            {
              field: 'umem',
              message: `${own.id} is shared by ${own.socketIds.join(', ')}: its configuration can change only once it has one socket`,
            },
          ]
        : [];
  const onQueue = umemOnQueue(request, replacing, running);
  if (onQueue && onQueue.umem !== target) {
    problems.push({
      field: 'queueId',
      message: `queue ${request.socket.queueId} of ${request.socket.ifname} already has socket ${onQueue.socketId} on ${onQueue.umem.id} (the kernel binds one UMEM per queue): share it with umemId ${onQueue.umem.id}, or choose another queue`,
    });
  }
  return problems;
}

function joiningProblems(
  request: SocketRequest,
  umemId: string,
  target: UmemRecord | undefined,
  own: UmemRecord | undefined,
  replacing: string | null,
  running: RunningSockets,
): Problem[] {
  if (!target) {
    return [
      {
        field: 'umemId',
        message: `there is no UMEM ${umemId}: choose one of ${[...running.umems.keys()].join(', ') || '(none yet)'}`,
      },
    ];
  }
  const problems: Problem[] = [];
  if (own === target && target.socketIds.length === 1) {
    problems.push({
      field: 'umemId',
      message: `${replacing} is the only socket on ${umemId}: reconfigure it without umemId`,
    });
  } else if (!sameUmemConfig(request.umem, target.config)) {
    problems.push({
      field: 'umem',
      message: `a socket sharing ${umemId} uses its configuration (${target.config.frameCount} frames of ${target.config.frameSize} bytes, headroom ${target.config.headroom}): send that configuration, or leave umemId out for a UMEM of its own`,
    });
  }
  const owner = target.ownerId !== null ? running.sockets.get(target.ownerId)?.request : undefined;
  const pair = target.pairs.find(
    (entry) => entry.ifname === request.socket.ifname && entry.queueId === request.socket.queueId,
  );
  // libxdp 1.3 binds every sharing socket with the owner's fd as XDP_SHARED_UMEM: on the owner's queue the
  // kernel shares its pair; elsewhere it wants a new pair, and refuses a second socket on a queue that has one.
  if (owner && pair && !pair.socketIds.includes(target.ownerId ?? '') && !pair.socketIds.includes(replacing ?? '')) {
    problems.push({
      field: 'queueId',
      message: `${umemId} can have several sockets only on the queue of its owner ${target.ownerId} (queue ${owner.socket.queueId}): libxdp binds each sharing socket against the owner's, and the kernel then shares a FILL/COMPLETION pair on that queue alone. Choose queue ${owner.socket.queueId}, or give queue ${request.socket.queueId} a UMEM of its own`,
    });
  }
  // The kernel takes a sharing socket's bind flags from the UMEM's owner (XDP_SHARED_UMEM carries no others).
  for (const field of ['copy', 'zeroCopy', 'needWakeup'] as const) {
    if (owner && request.socket[field] !== owner.socket[field]) {
      problems.push({
        field,
        message: `a socket sharing ${umemId} binds as its owner ${target.ownerId} did (${field} ${owner.socket[field]}): the kernel takes these flags from the UMEM's first socket`,
      });
    }
  }
  // The ledger names a frame's holder in a byte's low bits: a UMEM has at most MAX_HOLDERS sockets and pairs.
  if (own !== target && target.socketIds.length >= MAX_HOLDERS) {
    problems.push({ field: 'umemId', message: `${umemId} already has ${MAX_HOLDERS} sockets, Ringside's limit` });
  } else if (!pair && target.pairs.length >= MAX_HOLDERS) {
    problems.push({
      field: 'queueId',
      message: `${umemId} is already bound on ${MAX_HOLDERS} queues, Ringside's limit`,
    });
  }
  return problems;
}

/**
 * libxdp keeps a UMEM's first socket open (its fd is the UMEM's) until the
 * UMEM goes, so that socket stays bound to its queue however it is deleted:
 * while others share the UMEM, it may not go or move.
 */
export function ownerLeavingProblem(
  socketId: string,
  action: 'destroy' | 'reconfigure',
  running: RunningSockets,
): Problem | null {
  const umem = umemOf(socketId, running);
  if (!umem || umem.ownerId !== socketId || umem.socketIds.length === 1) return null;
  const others = umem.socketIds.filter((other) => other !== socketId).join(', ');
  return {
    field: 'socketId',
    message: `${socketId} owns ${umem.id}, which ${others} share${others.includes(',') ? '' : 's'}: libxdp keeps the owner's socket bound until the UMEM goes, so destroy ${others} before you ${action} ${socketId}`,
  };
}

/**
 * Whether a problem with `request` is one of Ringside's own ceilings (shared's
 * RINGSIDE_MAX_*) rather than a rule of the kernel: the kernel would take it.
 */
export function isRingsideCeiling(problem: Problem, request: SocketRequest): boolean {
  const { umem, socket } = request;
  const overRing = (size: number) => size > RINGSIDE_MAX_RING && (size & (size - 1)) === 0;
  switch (problem.field) {
    case 'frameCount':
      return Number.isInteger(umem.frameCount) && umem.frameCount * umem.frameSize > RINGSIDE_MAX_UMEM_BYTES;
    case 'fillSize':
    case 'completionSize':
      return overRing(umem[problem.field]);
    case 'rxSize':
    case 'txSize':
      return overRing(socket[problem.field]);
    case 'batchSize':
      return Number.isInteger(socket.batchSize) && socket.batchSize > RINGSIDE_MAX_BATCH;
    default:
      return false;
  }
}

function umemOf(socketId: string, running: RunningSockets): UmemRecord | undefined {
  const socket = running.sockets.get(socketId);
  return socket ? running.umems.get(socket.umemId) : undefined;
}

function umemOnQueue(
  request: SocketRequest,
  except: string | null,
  running: RunningSockets,
): { socketId: string; umem: UmemRecord } | null {
  for (const [id, other] of running.sockets) {
    if (id === except || queueOf(other.request) !== queueOf(request)) continue;
    const umem = running.umems.get(other.umemId);
    if (umem) return { socketId: id, umem };
  }
  return null;
}
