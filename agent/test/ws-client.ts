import {
  type AckMessage,
  API_PATHS,
  type ClientMessage,
  type CommandOf,
  type CommandType,
  decodeSnapshot,
  defaultSocketRequest,
  type ErrorMessage,
  PROTOCOL_VERSION,
  parseServerMessage,
  type ServerMessage,
  SnapshotMessage,
} from '@ringside/shared';
import WebSocket from 'ws';

export function requestIdOf(message: ClientMessage): string | null {
  return 'requestId' in message ? message.requestId : null;
}

/**
 * One well-formed message of every type in the command table, aimed at the
 * lab's first socket: a type added to the table does not compile here until
 * it has one, so the role tests cover it.
 */
export function exampleMessages(ifname: string, socketId = 'xsk0'): { [Type in CommandType]: CommandOf<Type> } {
  const request = defaultSocketRequest(ifname);
  return {
    hello: { type: 'hello', protocol: PROTOCOL_VERSION },
    setSnapshotRate: { type: 'setSnapshotRate', requestId: 'rate', perSecond: 5 },
    resync: { type: 'resync', requestId: 'resync' },
    subscribe: { type: 'subscribe', requestId: 'subscribe', detailOf: null },
    inspectSocket: { type: 'inspectSocket', requestId: 'inspect', socketId },
    readFrame: { type: 'readFrame', requestId: 'read', socketId, frame: 0 },
    refreshKernelView: { type: 'refreshKernelView', requestId: 'refresh-kernel-view', socketId },
    setTraffic: { type: 'setTraffic', requestId: 'traffic', paused: true },
    createSocket: { type: 'createSocket', requestId: 'create', socketId: 'intruder', request },
    reconfigureSocket: { type: 'reconfigureSocket', requestId: 'reconfigure', socketId, request },
    destroySocket: { type: 'destroySocket', requestId: 'destroy', socketId },
    pauseStages: { type: 'pauseStages', requestId: 'pause', socketId, stages: ['rxDrain'] },
    resumeStages: { type: 'resumeStages', requestId: 'resume', socketId, stages: ['rxDrain'] },
    step: { type: 'step', requestId: 'step', socketId },
    setSocketTraffic: { type: 'setSocketTraffic', requestId: 'socket-traffic', socketId, ratePps: 1 },
    injectInvalidTx: { type: 'injectInvalidTx', requestId: 'invalid-tx', socketId },
    injectInvalidFill: { type: 'injectInvalidFill', requestId: 'invalid-fill', socketId },
    runScenario: { type: 'runScenario', requestId: 'run-scenario', name: 'SEND_RECEIVE_SINGLE_PKT' },
    feedSameFrame: { type: 'feedSameFrame', requestId: 'same-frame', socketId, deliberately: true },
    sendTxDescriptors: {
      type: 'sendTxDescriptors',
      requestId: 'tx-descriptors',
      socketId,
      descriptors: [{ addr: 0, len: 64 }],
    },
    setXdpProgram: { type: 'setXdpProgram', requestId: 'program', ifname, program: 'round-robin' },
    attach: { type: 'attach', requestId: 'attach', pid: 1, fd: 0 },
    detach: { type: 'detach', requestId: 'detach', socketId },
  };
}

/** A protocol client for tests: validates every message it receives, as the page does. */
export class TestClient {
  readonly received: ServerMessage[] = [];
  readonly invalid: string[] = [];
  /** Frame owners per socket as of the last snapshot: the base the next delta applies to. */
  owners: Map<string, Uint8Array> | null = null;
  /** Bytes of every snapshot frame received, for measuring what a client costs. */
  snapshotBytes = 0;
  private readonly ownersBySeq = new Map<number, Map<string, Uint8Array>>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        const bytes = new Uint8Array(data as Buffer);
        this.snapshotBytes += bytes.length;
        try {
          const decoded = decodeSnapshot(bytes, this.owners);
          this.owners = decoded.owners;
          this.ownersBySeq.set(decoded.snapshot.seq, decoded.owners);
          this.arrive(SnapshotMessage.parse(decoded.snapshot));
        } catch (error) {
          this.invalid.push((error as Error).message);
        }
        return;
      }
      const parsed = parseServerMessage(data.toString());
      if (parsed.ok) this.arrive(parsed.value);
      else this.invalid.push(parsed.error);
    });
  }

  /** Checks waiting for a message, run on each one that arrives. */
  private readonly waiting = new Set<() => void>();

  private arrive(message: ServerMessage): void {
    this.received.push(message);
    for (const check of [...this.waiting]) check();
  }

  /** What `find` finds among the messages received, as soon as a message brings it: waits on arrivals, not on a clock. */
  until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(check);
      };
      const check = () => {
        const now = find();
        if (now === undefined) return;
        done();
        resolve(now);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.add(check);
    });
  }

  static async connect(url: URL, headers: Record<string, string> = {}): Promise<TestClient> {
    const wsUrl = new URL(url);
    wsUrl.protocol = 'ws:';
    wsUrl.pathname = API_PATHS.webSocket;
    const socket = new WebSocket(wsUrl, { headers });
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
    socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    return client;
  }

  /** The frame owners that came with snapshot `seq`. */
  ownersAt(seq: number, socketId: string): Uint8Array | undefined {
    return this.ownersBySeq.get(seq)?.get(socketId);
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.received.filter((message): message is Extract<ServerMessage, { type: T }> => message.type === type);
  }

  private readonly cursors = new Map<ServerMessage['type'], number>();

  /** The next message of this type not yet returned, in the order they arrived. */
  async next<T extends ServerMessage['type']>(
    type: T,
    timeoutMs = 20_000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const index = this.cursors.get(type) ?? 0;
    const message = await this.waitFor(type, index, timeoutMs);
    this.cursors.set(type, index + 1);
    return message;
  }

  /** The first message of this type that arrives after this call. */
  async fresh<T extends ServerMessage['type']>(
    type: T,
    timeoutMs = 20_000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const index = this.of(type).length;
    const message = await this.waitFor(type, index, timeoutMs);
    this.cursors.set(type, index + 1);
    return message;
  }

  /** The first snapshot from now on for which `holds` is true: a wait on what the agent streams, never on a clock. */
  async snapshotWhere(
    holds: (snapshot: SnapshotMessage) => boolean,
    what: string,
    timeoutMs = 20_000,
  ): Promise<SnapshotMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no snapshot showed ${what} within ${timeoutMs} ms`);
      const snapshot = await this.fresh('snapshot', left);
      if (holds(snapshot)) return snapshot;
    }
  }

  /** The next `count` snapshots, in order. */
  async nextSnapshots(count: number, timeoutMs = 30_000): Promise<SnapshotMessage[]> {
    const from = this.of('snapshot').length;
    await this.waitFor('snapshot', from + count - 1, timeoutMs);
    return this.of('snapshot').slice(from, from + count);
  }

  /** The answer to one request: its ack, or the error that refused it (whose words say why, where a timeout would not). */
  answer(requestId: string, timeoutMs = 20_000): Promise<AckMessage | ErrorMessage> {
    return this.until(
      () =>
        this.received.find(
          (message): message is AckMessage | ErrorMessage =>
            (message.type === 'ack' || message.type === 'error') && message.requestId === requestId,
        ),
      timeoutMs,
      `no answer to ${requestId}`,
    );
  }

  private waitFor<T extends ServerMessage['type']>(type: T, index: number, timeoutMs: number) {
    return this.until(() => this.of(type)[index], timeoutMs, `no ${type} message`);
  }

  close(): void {
    this.socket.close();
  }
}
