import type {
  AttachedSocketInfo,
  RingEntries,
  DiscoveredXsk as SharedDiscoveredXsk,
  SocketDetailMessage,
} from '@ringside/shared';
import type { AttachedXsk } from './attach/attached-xsk.ts';
import { bindingOf } from './attach/binding.ts';
import type { DiscoveredXsk } from './attach/discovery.ts';
import type { UmemInference } from './attach/umem-inference.ts';
import { CommandError } from './command-error.ts';
import { AttachedUmemSource, attachedOwners, attachedParts } from './observe/attached-umem.ts';
import type { UmemFrames } from './observe/source.ts';
import { UmemObserver } from './observe/umem-observer.ts';
import type { AttachedReading } from './sampler/attached-sample.ts';
import type { SampledAttached } from './sampler/sampler.ts';
import type { ObservedSocket } from './server/metrics.ts';

/**
 * The observed socket an attached XSK becomes. Own ids match
 * /^[a-z][a-z0-9-]*$/, so the dot keeps the two kinds from ever colliding.
 */
export function attachedSocketId(pid: number, fd: number): string {
  return `pid${pid}.fd${fd}`;
}

export function attachedSocketInfo(id: string, info: DiscoveredXsk): AttachedSocketInfo {
  return {
    id,
    origin: { kind: 'attached', pid: info.pid, command: info.command, fd: info.fd, netns: info.netns },
    discoveredId: info.id,
    kernel: info.kernel,
    umem: info.umem,
  };
}

/**
 * Every XSK discovery found, for the page: Ringside's own process is
 * marked (its sockets are observed as own ones, never attached), and each
 * attached one names the observed socket it became.
 */
export function discoveredForState(
  discovered: readonly DiscoveredXsk[],
  ownPid: number,
  attachedIds: ReadonlyMap<string, string>,
): SharedDiscoveredXsk[] {
  return discovered.map((info) => ({
    ...info,
    own: info.pid === ownPid,
    attachedAs: attachedIds.get(info.id) ?? null,
  }));
}

/** The frames of the UMEM, where socket diag said its size and chunk size. */
export function umemFrames(umem: DiscoveredXsk['umem']): UmemFrames | null {
  const { size, chunkSize } = umem;
  return size !== null && chunkSize !== null && chunkSize > 0
    ? { count: Math.floor(size / chunkSize), chunkSize }
    : null;
}

/**
 * The UMEM's frames from what socket diag said, else from what the rings'
 * contents show (attach/umem-inference.ts): its chunk size, and at least as
 * many chunks as the highest address seen, so the frame count is a floor.
 */
export function umemOf(
  umem: DiscoveredXsk['umem'],
  inference: UmemInference | null,
): { umem: DiscoveredXsk['umem']; frames: UmemFrames | null } {
  if (umem.chunkSize !== null || inference?.chunkSize == null || inference.framesAtLeast === 0) {
    return { umem, frames: umemFrames(umem) };
  }
  const { chunkSize, framesAtLeast } = inference;
  return { umem: { ...umem, chunkSize, source: 'ring-contents' }, frames: { count: framesAtLeast, chunkSize } };
}

/** How often the rings' contents are read again for the UMEM while socket diag cannot say: one pass over every slot. */
const INFER_EVERY_MS = 1000;

/** An attached XSK as the sampler and the metrics read it: through the one UMEM reader, over its mapped rings. */
export class AttachedSocket implements SampledAttached {
  /** What discovery knows of it: at first what attaching read, then each update (facts inferred later). */
  private facts: DiscoveredXsk;
  private inference: UmemInference | null = null;
  private inferredAt = Number.NEGATIVE_INFINITY;
  private readonly observer: UmemObserver<AttachedUmemSource>;

  constructor(
    readonly id: string,
    readonly xsk: AttachedXsk,
  ) {
    this.facts = xsk.info;
    this.observer = new UmemObserver(
      new AttachedUmemSource(
        id,
        () => xsk.rings(),
        () => this.frames,
      ),
    );
  }

  get discoveredId(): string {
    return this.facts.id;
  }

  get frames(): UmemFrames | null {
    return this.umem().frames;
  }

  get info(): AttachedSocketInfo {
    return attachedSocketInfo(this.id, { ...this.facts, umem: this.umem().umem });
  }

  /** Discovery's later facts say where the socket is bound; the rest it read without the rings attaching mapped. */
  learn(facts: DiscoveredXsk): void {
    this.facts = { ...this.facts, kernel: { ...this.facts.kernel, ...bindingOf(facts.kernel) } };
  }

  /** More of the rings' slots were written since the last look: the floor on the frame count only rises. */
  private umem() {
    const now = Date.now();
    if (this.facts.umem.chunkSize === null && now - this.inferredAt >= INFER_EVERY_MS) {
      this.inferredAt = now;
      const fresh = this.xsk.umemFromRings();
      if (fresh && (this.inference === null || fresh.framesAtLeast >= this.inference.framesAtLeast)) {
        this.inference = fresh;
      }
    }
    return umemOf(this.facts.umem, this.inference);
  }

  /**
   * One reading, synchronous: without an application side the reader has no
   * seqlock to wait on, and a reading made in one pass cannot meet a socket
   * let go halfway.
   */
  private readWith(entries: boolean): AttachedReading {
    const reading = this.observer.readNow({ entries });
    return { parts: attachedParts(reading), stats: this.xsk.statistics(), frameCount: reading.frameCount };
  }

  read(): AttachedReading {
    return this.readWith(false);
  }

  /** As a scrape sees it: the kernel's words and counters, labelled with its process and what the kernel said of it. */
  observe(): ObservedSocket {
    const { pid, command, kernel, umem } = this.facts;
    const { parts, stats } = this.read();
    return {
      id: this.id,
      labels: {
        pid,
        command,
        interface: kernel.ifname.value,
        queue: kernel.queueId.value,
        umem: umem.id === null ? null : String(umem.id),
      },
      observation: { rings: parts.states, stats, totals: null },
    };
  }

  /**
   * Every descriptor in its rings, for the page's slot tooltips, read with
   * the indices beside them. A ring whose size is ambiguous lists none (its
   * slots cannot be named).
   */
  detail(requestId: string): SocketDetailMessage {
    const reading = this.readWith(true);
    const { states, entries } = reading.parts;
    const { fill, completion } = states;
    if (!fill || !completion) {
      throw new CommandError(
        'not-found',
        `${this.id} has no FILL/COMPLETION pair of its own to read: it shares another socket's`,
      );
    }
    const listed = (ring: RingEntries | null | undefined): RingEntries =>
      ring ?? { addresses: [], lengths: [], options: [] };
    return {
      type: 'socketDetail',
      requestId,
      socketId: this.id,
      sampledAt: Date.now(),
      entries: {
        fill: listed(entries?.fill),
        rx: states.rx ? listed(entries?.rx) : null,
        tx: states.tx ? listed(entries?.tx) : null,
        completion: listed(entries?.completion),
      },
      owners: Buffer.from(attachedOwners(reading.parts, reading.frameCount).owners).toString('base64'),
      rings: { fill, rx: states.rx, tx: states.tx, completion },
      consistent: true,
    };
  }
}

/**
 * Other processes' sockets Ringside watches, by observed-socket id. Each is
 * let go on `detach`, at stop, or by itself when its owner closes it or
 * exits (AttachedXsk's onGone): `gone` is told then.
 */
export class AttachedSockets {
  private readonly byId = new Map<string, AttachedSocket>();

  constructor(
    private readonly open: (target: { pid: number; fd: number; inode?: number }) => AttachedXsk,
    private readonly gone: (socket: AttachedSocketInfo, reason: string) => void,
  ) {}

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): AttachedSocket | undefined {
    return this.byId.get(id);
  }

  list(): AttachedSocket[] {
    return [...this.byId.values()];
  }

  /** discoveredId → observed socket id, for the discovered list. */
  ids(): Map<string, string> {
    return new Map(this.list().map((socket) => [socket.discoveredId, socket.id]));
  }

  /** Discovery learned more of a socket (its interface, inferred after it was first listed). */
  learn(facts: DiscoveredXsk): boolean {
    const socket = this.list().find((entry) => entry.discoveredId === facts.id);
    socket?.learn(facts);
    return socket !== undefined;
  }

  /** Attaches to fd `fd` of `pid` (throws AttachError, holding nothing); the same socket twice is the one already attached. */
  attach(target: { pid: number; fd: number; inode?: number }): AttachedSocket {
    const id = attachedSocketId(target.pid, target.fd);
    const existing = this.byId.get(id);
    if (existing && (target.inode === undefined || existing.xsk.info.inode === target.inode)) return existing;
    // The owner closed that fd and opened another socket on its number: the old one is about to go anyway.
    if (existing) this.detach(id);
    const xsk = this.open(target);
    const socket = new AttachedSocket(id, xsk);
    this.byId.set(id, socket);
    xsk.onGone((reason) => {
      if (this.byId.get(id) !== socket) return;
      this.byId.delete(id);
      this.gone(socket.info, reason);
    });
    return socket;
  }

  /** Lets one go; false when no such socket is attached. */
  detach(id: string): boolean {
    const socket = this.byId.get(id);
    if (!socket) return false;
    this.byId.delete(id);
    socket.xsk.close();
    return true;
  }

  closeAll(): void {
    for (const id of [...this.byId.keys()]) this.detach(id);
  }
}
