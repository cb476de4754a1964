import { createRequire } from 'node:module';
import type WebSocketType from 'ws';
import {
  API_PATHS,
  decodeSnapshot,
  type EventMessage,
  PROTOCOL_VERSION,
  SNAPSHOT_CODEC_VERSION,
  SNAPSHOT_MAGIC,
  type SnapshotMessage,
} from '../../shared/src/index.ts';

// bench/ is not a workspace package (a package of its own would change the lockfile): it borrows the agent's ws.
const WebSocket = createRequire(new URL('../../agent/package.json', import.meta.url))('ws') as typeof WebSocketType;

/** When a snapshot arrived (ms, the wall clock the agent's sampledAt is on) and what it weighed. */
export interface Receipt {
  seq: number;
  sampledAt: number;
  receivedAt: number;
  bytes: number;
}

/** An event message and when it arrived (performance.now(): what a bench times it against is on that clock). */
interface Arrival {
  at: number;
  event: EventMessage;
}

/** How long nextEvent waits before it fails the run rather than hanging it. */
const EVENT_TIMEOUT_MS = 10_000;

/**
 * A client that watches as a page would (hello, a snapshot rate) but costs the
 * machine as little as a client can: it stamps each binary snapshot on
 * arrival and reads only its header (seq, sampledAt). So what it measures is
 * the agent's cost, not the bench's. With `decode`, it also decodes every
 * snapshot in full (owners deltas included), for the one client that reads
 * counters. It keeps the agent's events (a few per attach or detach) for a
 * bench that waits on one.
 */
export class Watcher {
  readonly receipts: Receipt[] = [];
  latest: SnapshotMessage | null = null;
  private owners: Map<string, Uint8Array> | null = null;
  private readonly replies = new Map<string, (message: { type: string; message?: string }) => void>();
  private readonly events: Arrival[] = [];
  private readonly waitingForEvents = new Set<() => void>();
  private nextRequest = 0;

  private constructor(
    private readonly socket: WebSocketType,
    private readonly decode: boolean,
  ) {
    socket.on('message', (data, isBinary) => {
      const receivedAt = performance.timeOrigin + performance.now();
      if (!isBinary) return this.text(data.toString());
      const bytes = data as Buffer;
      const header = readHeader(bytes);
      this.receipts.push({ ...header, receivedAt, bytes: bytes.length });
      if (this.decode) {
        const decoded = decodeSnapshot(new Uint8Array(bytes), this.owners);
        this.owners = decoded.owners;
        this.latest = decoded.snapshot;
      }
    });
  }

  static async connect(pageUrl: URL, options: { decode?: boolean } = {}): Promise<Watcher> {
    const url = new URL(pageUrl);
    url.protocol = 'ws:';
    url.pathname = API_PATHS.webSocket;
    const socket = new WebSocket(url, { headers: { origin: pageUrl.origin } });
    const watcher = new Watcher(socket, options.decode ?? false);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    return watcher;
  }

  private text(text: string): void {
    const at = performance.now();
    const message = JSON.parse(text) as { type: string; requestId?: string | null; message?: string };
    if (message.type === 'event') {
      this.events.push({ at, event: message as EventMessage });
      for (const wake of this.waitingForEvents) wake();
    }
    if ((message.type === 'ack' || message.type === 'error') && typeof message.requestId === 'string') {
      this.replies.get(message.requestId)?.(message);
      this.replies.delete(message.requestId);
    }
  }

  /** Sends a command and resolves on its ack; rejects with the agent's message on an error. */
  command(message: Record<string, unknown>, timeoutMs = 15_000): Promise<void> {
    const requestId = `bench-${this.nextRequest++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${String(message.type)}`)), timeoutMs);
      this.replies.set(requestId, (reply) => {
        clearTimeout(timer);
        if (reply.type === 'ack') resolve();
        else reject(new Error(`${String(message.type)} refused: ${reply.message}`));
      });
      this.socket.send(JSON.stringify({ ...message, requestId }));
    });
  }

  /** When (performance.now()) the first event of `kind` for `socketId` arrived at or after `since`. */
  nextEvent(kind: EventMessage['kind'], socketId: string, since: number): Promise<number> {
    const find = () =>
      this.events.find(({ at, event }) => at >= since && event.kind === kind && event.socketId === socketId);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waitingForEvents.delete(check);
        reject(new Error(`no ${kind} event for ${socketId} within ${EVENT_TIMEOUT_MS / 1000} s`));
      }, EVENT_TIMEOUT_MS);
      const check = () => {
        const found = find();
        if (!found) return;
        clearTimeout(timer);
        this.waitingForEvents.delete(check);
        resolve(found.at);
      };
      this.waitingForEvents.add(check);
      check();
    });
  }

  setRate(perSecond: number): Promise<void> {
    return this.command({ type: 'setSnapshotRate', perSecond });
  }

  /** Receipts from `since` (a receivedAt) on. */
  receiptsSince(since: number): Receipt[] {
    return this.receipts.filter((receipt) => receipt.receivedAt >= since);
  }

  close(): void {
    this.socket.close();
  }
}

/** The fixed head of a binary snapshot (shared/src/snapshot-codec.ts): magic, version, flags, varint seq, f64 sampledAt. */
export function readHeader(bytes: Uint8Array): { seq: number; sampledAt: number } {
  if (bytes[0] !== SNAPSHOT_MAGIC || bytes[1] !== SNAPSHOT_CODEC_VERSION) {
    throw new Error(`not a snapshot of codec version ${SNAPSHOT_CODEC_VERSION}: the bench reads that header only`);
  }
  let offset = 3;
  let seq = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[offset++] as number;
    seq += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
    scale *= 128;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { seq, sampledAt: view.getFloat64(offset, true) };
}
