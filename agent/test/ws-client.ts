import {
  decodeSnapshot,
  PROTOCOL_VERSION,
  parseServerMessage,
  type ServerMessage,
  SnapshotMessage,
} from '@ringside/shared';
import WebSocket from 'ws';

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
          this.received.push(SnapshotMessage.parse(decoded.snapshot));
        } catch (error) {
          this.invalid.push((error as Error).message);
        }
        return;
      }
      const parsed = parseServerMessage(data.toString());
      if (parsed.ok) this.received.push(parsed.value);
      else this.invalid.push(parsed.error);
    });
  }

  static async connect(url: URL, headers: Record<string, string> = {}): Promise<TestClient> {
    const wsUrl = new URL(url);
    wsUrl.protocol = 'ws:';
    wsUrl.pathname = '/ws';
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
  async next<T extends ServerMessage['type']>(type: T, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: T }>> {
    const index = this.cursors.get(type) ?? 0;
    const message = await this.waitFor(type, index, timeoutMs);
    this.cursors.set(type, index + 1);
    return message;
  }

  /** The first message of this type that arrives after this call. */
  async fresh<T extends ServerMessage['type']>(
    type: T,
    timeoutMs = 5000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const index = this.of(type).length;
    const message = await this.waitFor(type, index, timeoutMs);
    this.cursors.set(type, index + 1);
    return message;
  }

  private async waitFor<T extends ServerMessage['type']>(type: T, index: number, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const message = this.of(type)[index];
      if (message) return message;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no ${type} message within ${timeoutMs} ms`);
  }

  close(): void {
    this.socket.close();
  }
}
