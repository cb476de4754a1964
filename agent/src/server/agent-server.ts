import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  type AckMessage,
  API_PATHS,
  type CommandOf,
  type ControlCommand,
  DETAIL_PER_SECOND,
  type ErrorCode,
  type ErrorMessage,
  type EventMessage,
  encodeSnapshot,
  type FrameBytesMessage,
  type HelloMessage,
  isControlCommand,
  PROTOCOL_VERSION,
  parseClientMessage,
  type Role,
  roleMaySend,
  type ServerMessage,
  type SnapshotMessage,
  type SocketDetailMessage,
  type StateMessage,
  type ViewCommand,
  type XdpActionCounters,
} from '@ringside/shared';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { CommandError } from '../command-error.ts';
import type { PcapPacket } from '../export/pcap.ts';
import type { RecordingSink } from '../record/recorder.ts';
import {
  type AccessDecision,
  type AccessPolicy,
  type AgentUrl,
  type AllowedHost,
  accessPolicy,
  agentUrls,
  audienceUrls,
  decideAccess,
} from './access.ts';
import { MAX_HEADERS, serveHttp, tooManyHeaders } from './http-routes.ts';
import { AgentMetrics, type ObservedSocket } from './metrics.ts';

/** What the server needs from the rest of the agent. */
export interface AgentFacade {
  hello(role: Role): HelloMessage;
  state(): StateMessage;
  /** Resolves when the command has taken effect; rejects with a CommandError the client is told. */
  execute(command: ControlCommand): Promise<void>;
  /** Every descriptor of a socket's rings, read consistently; rejects with a CommandError when there is no such socket. */
  inspect(socketId: string, requestId: string): Promise<SocketDetailMessage>;
  /** One frame's bytes; rejects with a CommandError when there is no such socket or frame. */
  readFrame(socketId: string, frame: number, requestId: string): Promise<FrameBytesMessage>;
  /** Asks the kernel about a socket again and sends every client the new state; rejects with a CommandError when there is no such socket. */
  refreshKernelView(socketId: string, requestId: string): Promise<AckMessage>;
  /** What the agent met while starting, before any client could be told: each new client is told. */
  startupEvents(): readonly EventMessage[];
  /** Every socket's rings and counts now, for a metrics scrape. */
  observeSockets(): Promise<ObservedSocket[]>;
  /** The action counters of Ringside's XDP programs, for a metrics scrape. */
  programCounters(): XdpActionCounters[];
  /** The next frames a socket receives, for a pcap; rejects with a CommandError when there is no such socket. */
  capture(socketId: string, frames: number): Promise<PcapPacket[]>;
}

export interface ServerOptions {
  host: string;
  port: number;
  webRoot: string;
  agent: AgentFacade;
  logger: Logger;
  /** Tokens kept from an earlier run, so open pages can reconnect after a restart; fresh ones otherwise. */
  tokens?: { control: string; view: string };
  /** Names it answers to besides loopback and `host` (`--allowed-host`). */
  allowedHosts?: readonly AllowedHost[];
  /** Messages a client may send per second before it gets rate-limited errors. */
  commandsPerSecond?: number;
  /** How long a client may take to send a request's headers (a slowloris trickles them). */
  headersTimeoutMs?: number;
  /** `--record`: given what a view client receives, snapshots paced and encoded as a client's. */
  recorder?: RecordingSink;
  /** How long a closing server waits for a client to answer its close frame before it cuts the connection. */
  closeGraceMs?: number;
}

const MAX_MESSAGE_BYTES = 64 * 1024;
/** Past this, a client still sending its headers is cut off: a browser sends them at once. */
const HEADERS_TIMEOUT_MS = 10_000;
/** The page's largest asset takes milliseconds on loopback; this only bounds a client that never finishes. */
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_CLIENTS = 64;
/**
 * A page answers the agent's close frame within milliseconds; one that has
 * gone off the network (a laptop shut, a browser offline) never does, and ws
 * would wait 30 s for it, holding the agent's stop, and its lab, that long.
 */
const CLOSE_GRACE_MS = 1000;
const DEFAULT_SNAPSHOTS_PER_SECOND = 10;
export const DEFAULT_COMMANDS_PER_SECOND = 50;
/** A client whose socket holds more than this unsent gets no snapshots until it drains. */
const LAGGING_BUFFERED_BYTES = 1024 * 1024;
/** Past this, a client that still does not read is disconnected: the agent's memory stays bounded. */
const UNREAD_LIMIT_BYTES = 16 * 1024 * 1024;

/** A view command's answer: the agent's readings are awaited, the server's own answers are at hand. */
type Answer = ServerMessage | Promise<ServerMessage>;

/** What receives snapshots, a client or the recording: paced by its own rate, each frame a delta against its last. */
interface SnapshotReceiver {
  snapshotsPerSecond: number;
  lastSnapshotAt: number;
  /**
   * The frame owners this receiver last received: the next snapshot's owners go
   * as a delta against them. The sampler's own map, never copied or changed, so
   * receivers in step share one base and one encoded frame.
   */
  ownersBase: ReadonlyMap<string, Uint8Array> | null;
}

/** Half a tick of slack, so a receiver at the sampler's own rate gets every sample. */
function isDue(receiver: SnapshotReceiver, sampledAt: number): boolean {
  return sampledAt - receiver.lastSnapshotAt >= 1000 / receiver.snapshotsPerSecond - 1000 / 120;
}

interface Client extends SnapshotReceiver {
  socket: WebSocket;
  role: Role;
  greeted: boolean;
  /** Set while snapshots are skipped for this client. */
  laggingSince: number | null;
  /** The socket whose every descriptor this client asked to receive with its snapshots. */
  detailOf: string | null;
  lastDetailAt: number;
  /** Set while a detail for this client is being read: a slow reading is not joined by another. */
  detailPending: boolean;
  /** Set once the client was told its subscribed socket is gone, so it is told once per absence. */
  detailMissing: boolean;
  commandTokens: number;
  tokensAt: number;
}

/** A recording is fed like one more view client that never sends and never lags. */
interface Recording extends SnapshotReceiver {
  sink: RecordingSink;
}

/**
 * HTTP for the built web app and the WebSocket on one port. Each client
 * chooses its snapshot rate; the agent samples once and fans out.
 */
export class AgentServer {
  private readonly clients = new Set<Client>();
  private readonly metrics = new AgentMetrics({
    sockets: () => this.options.agent.observeSockets(),
    programs: () => this.options.agent.programCounters(),
    clients: () => this.clients.size,
  });
  private readonly sockets = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
  });

  /** What every hello tells a page to show a room: the policy, and so these, never change while it serves. */
  private readonly audienceUrls: string[];
  private readonly recording: Recording | null;

  private constructor(
    private readonly http: Server,
    private readonly options: ServerOptions,
    readonly policy: AccessPolicy,
    readonly port: number,
  ) {
    this.audienceUrls = audienceUrls(agentUrls(policy));
    this.recording = options.recorder ? this.startRecording(options.recorder) : null;
    const context = {
      policy,
      webRoot: options.webRoot,
      metrics: this.metrics,
      exports: options.agent,
      logger: options.logger,
    };
    http.on('request', (request, response) => void serveHttp(context, request, response));
    http.on('upgrade', (request, socket, head) => {
      try {
        this.upgrade(request, socket, head);
      } catch (error) {
        options.logger.error({ err: error }, 'WebSocket upgrade failed');
        socket.destroy();
      }
    });
    http.on('clientError', (error, socket) => this.refuseMalformed(error, socket));
    // Once listening, the server's own errors (out of file descriptors, say) are logged, never the process's end.
    http.on('error', (error) => options.logger.error({ err: error }, 'HTTP server error'));
    this.sockets.on('wsClientError', (error, socket) => this.refuseMalformed(error, socket));
  }

  static async listen(options: ServerOptions): Promise<AgentServer> {
    const http = createServer({
      headersTimeout: options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
      requestTimeout: Math.max(options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS),
      // How often Node looks for a request past its timeouts (the default, 30 s, would let one idle that long).
      connectionsCheckingInterval: Math.min(options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, 1000),
    });
    http.maxHeadersCount = MAX_HEADERS + 1;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port, options.host, () => resolve());
    });
    const port = (http.address() as AddressInfo).port;
    const policy = accessPolicy(options.host, port, options.tokens, options.allowedHosts);
    return new AgentServer(http, options, policy, port);
  }

  /** A URL pair for each name the agent answers to, the one on this machine first. */
  urls(): [AgentUrl, ...AgentUrl[]] {
    return agentUrls(this.policy);
  }

  /** The fastest rate any client (or the recording) asked for: the sampler need not run faster. */
  get fastestSnapshotRate(): number {
    let fastest = this.recording?.snapshotsPerSecond ?? 1;
    for (const client of this.clients) if (client.greeted) fastest = Math.max(fastest, client.snapshotsPerSecond);
    return fastest;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Sends the snapshot to each client whose own rate says it is due, as a
   * binary frame whose frame owners are a delta against what that client last
   * received (whole on connect and after a resync). A client that skipped
   * snapshots keeps its base, so the next one it gets is still right.
   */
  publishSnapshot(snapshot: SnapshotMessage, owners: ReadonlyMap<string, Uint8Array>): void {
    const encodedByBase = new Map<ReadonlyMap<string, Uint8Array> | null, Uint8Array>();
    /** The frame for a receiver due one, which from now on holds these owners: encoded once per base. */
    const frameFor = (receiver: SnapshotReceiver): Uint8Array => {
      let encoded = encodedByBase.get(receiver.ownersBase);
      if (!encoded) {
        encoded = encodeSnapshot(snapshot, owners, receiver.ownersBase);
        encodedByBase.set(receiver.ownersBase, encoded);
      }
      receiver.lastSnapshotAt = snapshot.sampledAt;
      receiver.ownersBase = owners;
      return encoded;
    };
    for (const client of this.clients) {
      if (!client.greeted || !isDue(client, snapshot.sampledAt)) continue;
      if (client.socket.bufferedAmount > LAGGING_BUFFERED_BYTES) {
        if (client.laggingSince === null) {
          client.laggingSince = snapshot.seq;
          this.send(client, { type: 'lagging', fromSeq: snapshot.seq });
        }
        continue;
      }
      client.laggingSince = null;
      client.socket.send(frameFor(client));
      if (
        client.detailOf !== null &&
        !client.detailPending &&
        snapshot.sampledAt - client.lastDetailAt >= 1000 / DETAIL_PER_SECOND
      ) {
        client.lastDetailAt = snapshot.sampledAt;
        void this.sendDetail(client, client.detailOf);
      }
    }
    if (this.recording && isDue(this.recording, snapshot.sampledAt)) {
      this.recording.sink.snapshot(frameFor(this.recording));
    }
  }

  /** What a view client is greeted with opens the recording; from then on it is given what every client is. */
  private startRecording(sink: RecordingSink): Recording {
    sink.begin({ ...this.options.agent.hello('view'), audienceUrls: this.audienceUrls });
    sink.message(JSON.stringify(this.options.agent.state()));
    for (const event of this.options.agent.startupEvents()) sink.message(JSON.stringify(event));
    return { sink, snapshotsPerSecond: sink.snapshotsPerSecond, lastSnapshotAt: 0, ownersBase: null };
  }

  /**
   * A subscription names a socket id, which may be gone for a while: a
   * reconfiguration on the same queue rebuilds it, a lesson recreates it.
   * The client hears one error per absence, and the detail comes again
   * without asking once the socket is back. A reading that comes back after
   * the client subscribed to another socket, or to none, is dropped.
   */
  private async sendDetail(client: Client, socketId: string): Promise<void> {
    client.detailPending = true;
    try {
      const detail = await this.options.agent.inspect(socketId, 'subscription');
      if (client.detailOf !== socketId) return;
      client.detailMissing = false;
      this.send(client, detail);
    } catch (error) {
      if (client.detailOf !== socketId || client.detailMissing) return;
      client.detailMissing = true;
      this.send(client, { type: 'error', requestId: 'subscription', ...this.refusalFor(error, 'subscription') });
    } finally {
      client.detailPending = false;
    }
  }

  broadcast(message: ServerMessage): void {
    for (const client of this.clients) if (client.greeted) this.send(client, message);
    this.recording?.sink.message(JSON.stringify(message));
  }

  async close(): Promise<void> {
    const open = [...this.clients].map((client) => client.socket);
    for (const socket of open) socket.close(1001, 'agent shutting down');
    this.sockets.close();
    this.http.closeAllConnections();
    // The HTTP server closes once every upgraded socket has: a client that does not answer is cut off.
    const cutOff = setTimeout(() => {
      for (const socket of open) socket.terminate();
    }, this.options.closeGraceMs ?? CLOSE_GRACE_MS);
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    clearTimeout(cutOff);
  }

  /**
   * What HTTP cannot parse (a malformed request line, headers past 16 KiB or
   * past the headers timeout, a bad WebSocket key) ends with a status and a
   * close; the socket may already be gone.
   */
  private refuseMalformed(error: Error & { code?: string }, socket: Duplex): void {
    this.options.logger.debug({ err: error }, 'malformed request refused');
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    if (socket.writable && !(socket as Socket).destroyed) {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else socket.destroy();
  }

  /** Every refusal is an HTTP answer before any 101, so a refused client never holds an open WebSocket. */
  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // After 'upgrade' the socket is ours alone: without a listener, a reset by the client would end the process.
    socket.on('error', (error) => this.options.logger.debug({ err: error }, 'upgrading socket error'));
    const target = request.url ?? '/';
    const url = target.startsWith('/') ? new URL(`http://agent${target}`) : null;
    const decision: AccessDecision | { ok: false; status: 431; reason: string } = tooManyHeaders(request)
      ? { ok: false, status: 431, reason: `at most ${MAX_HEADERS} headers` }
      : url?.pathname !== API_PATHS.webSocket
        ? { ok: false, status: 403, reason: 'no WebSocket at this path' }
        : this.clients.size >= MAX_CLIENTS
          ? { ok: false, status: 403, reason: `at most ${MAX_CLIENTS} clients may connect` }
          : decideAccess(this.policy, {
              host: request.headers.host,
              origin: request.headers.origin,
              token: url.searchParams.get('token'),
            });
    if (decision.ok) {
      this.sockets.handleUpgrade(request, socket, head, (ws) => this.accept(ws, decision.role));
      return;
    }
    this.options.logger.warn(
      { status: decision.status, reason: decision.reason, remote: request.socket.remoteAddress },
      'WebSocket refused',
    );
    refuseUpgrade(socket, decision);
  }

  private accept(socket: WebSocket, role: Role): void {
    const client: Client = {
      socket,
      role,
      greeted: false,
      snapshotsPerSecond: DEFAULT_SNAPSHOTS_PER_SECOND,
      lastSnapshotAt: 0,
      laggingSince: null,
      ownersBase: null,
      detailOf: null,
      lastDetailAt: 0,
      detailPending: false,
      detailMissing: false,
      commandTokens: this.commandsPerSecond,
      tokensAt: Date.now(),
    };
    this.clients.add(client);
    socket.on('message', (data, isBinary) => void this.receive(client, isBinary ? null : data.toString()));
    socket.on('close', () => this.clients.delete(client));
    socket.on('error', (error) => this.options.logger.debug({ err: error }, 'client socket error'));
  }

  private get commandsPerSecond(): number {
    return this.options.commandsPerSecond ?? DEFAULT_COMMANDS_PER_SECOND;
  }

  /** Replies and events are not skipped like snapshots: a client that never reads them is let go instead. */
  private send(client: Client, message: ServerMessage): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    if (client.socket.bufferedAmount > UNREAD_LIMIT_BYTES) {
      this.options.logger.warn({ buffered: client.socket.bufferedAmount }, 'client does not read; disconnecting it');
      client.socket.terminate();
      return;
    }
    client.socket.send(JSON.stringify(message));
  }

  /** Every message gets its answer or a typed error; nothing a client sends escapes as a rejection. */
  private async receive(client: Client, text: string | null): Promise<void> {
    let answer: ServerMessage | null;
    try {
      answer = await this.handle(client, text);
    } catch (error) {
      answer = { type: 'error', requestId: null, ...this.refusalFor(error, 'message') };
    }
    if (answer) this.send(client, answer);
    // The bytes of a frame any page looked at, so a replay's inspector can show them.
    if (answer?.type === 'frameBytes') this.recording?.sink.message(JSON.stringify(answer));
  }

  /** A CommandError is the agent's answer; anything else is a fault of ours, logged and reported as one. */
  private refusalFor(error: unknown, what: string): Omit<ErrorMessage, 'type' | 'requestId'> {
    if (error instanceof CommandError) {
      return { code: error.code, message: error.message, ...(error.problems ? { problems: error.problems } : {}) };
    }
    this.options.logger.error({ err: error }, `handling a client ${what} failed`);
    return { code: 'agent-failed', message: `the agent failed: ${(error as Error).message}` };
  }

  /** Carries out one message; returns what answers it, if anything. */
  private async handle(client: Client, text: string | null): Promise<ServerMessage | null> {
    const refuse = (code: ErrorCode, message: string, requestId: string | null = null): ErrorMessage => ({
      type: 'error',
      requestId,
      code,
      message,
    });
    if (!this.takeCommandToken(client)) {
      return refuse('rate-limited', `at most ${this.commandsPerSecond} messages per second`);
    }
    if (text === null) return refuse('bad-request', 'binary messages are not accepted');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return refuse('bad-request', parsed.error);
    const message = parsed.value;
    if (message.type === 'hello') return this.greet(client, message.protocol.major);
    if (!client.greeted) return refuse('bad-request', 'send hello first', message.requestId);
    if (!roleMaySend(client.role, message.type)) {
      return refuse(
        'forbidden',
        'this connection may only watch: use the control URL to change sockets',
        message.requestId,
      );
    }
    try {
      if (isControlCommand(message)) {
        await this.options.agent.execute(message);
        return { type: 'ack', requestId: message.requestId };
      }
      const handler = this.viewHandlers[message.type] as (client: Client, message: ViewCommand) => Answer;
      return await handler(client, message);
    } catch (error) {
      return { type: 'error', requestId: message.requestId, ...this.refusalFor(error, message.type) };
    }
  }

  /** The server's own answers to what a view client may send too: one per view entry of the command table. */
  private readonly viewHandlers: {
    [Type in Exclude<ViewCommand['type'], 'hello'>]: (client: Client, message: CommandOf<Type>) => Answer;
  } = {
    setSnapshotRate: (client, message) => {
      client.snapshotsPerSecond = message.perSecond;
      return { type: 'ack', requestId: message.requestId };
    },
    resync: (client, message) => {
      client.ownersBase = null;
      this.send(client, this.options.agent.state());
      return { type: 'ack', requestId: message.requestId };
    },
    subscribe: (client, message) => {
      client.detailOf = message.detailOf;
      client.detailMissing = false;
      client.lastDetailAt = 0;
      return { type: 'ack', requestId: message.requestId };
    },
    inspectSocket: (_client, message) => this.options.agent.inspect(message.socketId, message.requestId),
    readFrame: (_client, message) => this.options.agent.readFrame(message.socketId, message.frame, message.requestId),
    refreshKernelView: (_client, message) => this.options.agent.refreshKernelView(message.socketId, message.requestId),
  };

  /** Answered with the agent's hello, then its state; a client of another major version is closed. */
  private greet(client: Client, major: number): null {
    if (major !== PROTOCOL_VERSION.major) {
      this.send(client, {
        type: 'error',
        requestId: null,
        code: 'unsupported-version',
        message: `this agent speaks protocol ${PROTOCOL_VERSION.major}.x, the client ${major}.x: reload the page served by this agent`,
      });
      client.socket.close(1008, 'unsupported protocol version');
      return null;
    }
    client.greeted = true;
    this.send(client, { ...this.options.agent.hello(client.role), audienceUrls: this.audienceUrls });
    this.send(client, this.options.agent.state());
    // A fault met while starting (a read-only token disk) was told to no page: every page learns it on arrival.
    for (const event of this.options.agent.startupEvents()) this.send(client, event);
    return null;
  }

  private takeCommandToken(client: Client): boolean {
    const now = Date.now();
    const rate = this.commandsPerSecond;
    client.commandTokens = Math.min(rate, client.commandTokens + ((now - client.tokensAt) * rate) / 1000);
    client.tokensAt = now;
    if (client.commandTokens < 1) return false;
    client.commandTokens -= 1;
    return true;
  }
}

const STATUS_TEXT = { 401: 'Unauthorized', 403: 'Forbidden', 431: 'Request Header Fields Too Large' } as const;

function refuseUpgrade(socket: Duplex, refusal: { status: keyof typeof STATUS_TEXT; reason: string }): void {
  const body = Buffer.from(refusal.reason);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status]}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
}
