import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  type ClientMessage,
  CONTROL_COMMANDS,
  DETAIL_PER_SECOND,
  type ErrorCode,
  type ErrorMessage,
  encodeSnapshot,
  type FrameBytesMessage,
  type HelloMessage,
  PROTOCOL_VERSION,
  parseClientMessage,
  type Role,
  type ServerMessage,
  type SnapshotMessage,
  type SocketDetailMessage,
  type StateMessage,
  type XdpActionCounters,
} from '@ringside/shared';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { type AccessDecision, type AccessPolicy, accessPolicy, decideAccess } from './access.ts';
import { AgentMetrics, type ObservedSocket, scrapeToken } from './metrics.ts';
import { serveStatic } from './static-files.ts';

/** A command the agent refused, with the protocol's error code. */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems?: { field: string; message: string }[],
  ) {
    super(message);
  }
}

export type AgentCommand = Exclude<
  ClientMessage,
  { type: 'hello' | 'setSnapshotRate' | 'resync' | 'inspectSocket' | 'subscribe' | 'readFrame' }
>;

/** What the server needs from the rest of the agent. */
export interface AgentFacade {
  hello(role: Role): HelloMessage;
  state(): StateMessage;
  /** Resolves when the command has taken effect; rejects with a CommandError the client is told. */
  execute(command: AgentCommand): Promise<void>;
  /** Throws a CommandError when there is no such socket. */
  inspect(socketId: string, requestId: string): SocketDetailMessage;
  /** One frame's bytes; throws a CommandError when there is no such socket or frame. */
  readFrame(socketId: string, frame: number, requestId: string): FrameBytesMessage;
  /** Every socket's rings and counts now, for a metrics scrape. */
  observeSockets(): Promise<ObservedSocket[]>;
  /** The action counters of Ringside's XDP programs, for a metrics scrape. */
  programCounters(): XdpActionCounters[];
}

export interface ServerOptions {
  host: string;
  port: number;
  webRoot: string;
  agent: AgentFacade;
  logger: Logger;
  /** Tokens kept from an earlier run, so open pages can reconnect after a restart; fresh ones otherwise. */
  tokens?: { control: string; view: string };
  /** Messages a client may send per second before it gets rate-limited errors. */
  commandsPerSecond?: number;
}

const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_CLIENTS = 64;
const DEFAULT_SNAPSHOTS_PER_SECOND = 10;
export const DEFAULT_COMMANDS_PER_SECOND = 50;
/** A client whose socket holds more than this unsent gets no snapshots until it drains. */
const LAGGING_BUFFERED_BYTES = 1024 * 1024;
/** Past this, a client that still does not read is disconnected: the agent's memory stays bounded. */
const UNREAD_LIMIT_BYTES = 16 * 1024 * 1024;

interface Client {
  socket: WebSocket;
  role: Role;
  greeted: boolean;
  snapshotsPerSecond: number;
  lastSnapshotAt: number;
  /** Set while snapshots are skipped for this client. */
  laggingSince: number | null;
  /**
   * The frame owners this client last received: the next snapshot's owners go
   * as a delta against them. The sampler's own map, never copied or changed, so
   * clients in step share one base and one encoded frame.
   */
  ownersBase: ReadonlyMap<string, Uint8Array> | null;
  /** The socket whose every descriptor this client asked to receive with its snapshots. */
  detailOf: string | null;
  lastDetailAt: number;
  commandTokens: number;
  tokensAt: number;
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

  private constructor(
    private readonly http: Server,
    private readonly options: ServerOptions,
    readonly policy: AccessPolicy,
    readonly port: number,
  ) {
    http.on('request', (request, response) => {
      const url = new URL(request.url ?? '/', 'http://agent');
      if (request.method !== 'GET') return void response.writeHead(405).end();
      if (url.pathname === '/metrics') return void this.serveMetrics(request, url, response);
      void serveStatic(options.webRoot, url.pathname, response);
    });
    http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
  }

  static async listen(options: ServerOptions): Promise<AgentServer> {
    const http = createServer();
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port, options.host, () => resolve());
    });
    const port = (http.address() as AddressInfo).port;
    return new AgentServer(http, options, accessPolicy(options.host, port, options.tokens), port);
  }

  url(role: Role): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    const token = role === 'control' ? this.policy.controlToken : this.policy.viewToken;
    return `http://${host}:${this.port}/?token=${token}`;
  }

  /** The fastest rate any client asked for: the sampler need not run faster. */
  get fastestSnapshotRate(): number {
    let fastest = 1;
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
    for (const client of this.clients) {
      if (!client.greeted) continue;
      // Half a tick of slack, so a client at the sampler's own rate gets every sample.
      const interval = 1000 / client.snapshotsPerSecond;
      if (snapshot.sampledAt - client.lastSnapshotAt < interval - 1000 / 120) continue;
      if (client.socket.bufferedAmount > LAGGING_BUFFERED_BYTES) {
        if (client.laggingSince === null) {
          client.laggingSince = snapshot.seq;
          this.send(client, { type: 'lagging', fromSeq: snapshot.seq });
        }
        continue;
      }
      client.laggingSince = null;
      client.lastSnapshotAt = snapshot.sampledAt;
      let encoded = encodedByBase.get(client.ownersBase);
      if (!encoded) {
        encoded = encodeSnapshot(snapshot, owners, client.ownersBase);
        encodedByBase.set(client.ownersBase, encoded);
      }
      client.socket.send(encoded);
      client.ownersBase = owners;
      if (client.detailOf !== null && snapshot.sampledAt - client.lastDetailAt >= 1000 / DETAIL_PER_SECOND) {
        client.lastDetailAt = snapshot.sampledAt;
        this.sendDetail(client, client.detailOf);
      }
    }
  }

  /** A subscription to a socket that is gone ends with one not-found error. */
  private sendDetail(client: Client, socketId: string): void {
    try {
      this.send(client, this.options.agent.inspect(socketId, 'subscription'));
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      client.detailOf = null;
      this.send(client, { type: 'error', requestId: 'subscription', code: error.code, message: error.message });
    }
  }

  broadcast(message: ServerMessage): void {
    for (const client of this.clients) if (client.greeted) this.send(client, message);
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.socket.close(1001, 'agent shutting down');
    this.sockets.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** A scrape may read what the page shows, so it passes the same checks as the WebSocket. */
  private async serveMetrics(request: IncomingMessage, url: URL, response: ServerResponse): Promise<void> {
    const decision = decideAccess(this.policy, {
      host: request.headers.host,
      origin: request.headers.origin,
      token: scrapeToken(request.headers.authorization, url),
    });
    if (!decision.ok) {
      this.options.logger.warn(
        { status: decision.status, reason: decision.reason, remote: request.socket.remoteAddress },
        'metrics scrape refused',
      );
      const challenge = decision.status === 401 ? { 'www-authenticate': 'Bearer realm="ringside"' } : {};
      response.writeHead(decision.status, { 'content-type': 'text/plain; charset=utf-8', ...challenge });
      return void response.end(decision.reason);
    }
    try {
      const { contentType, body } = await this.metrics.render();
      response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
    } catch (error) {
      this.options.logger.error({ err: error }, 'metrics scrape failed');
      response.writeHead(500).end();
    }
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://agent');
    const decision: AccessDecision =
      url.pathname !== '/ws'
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
    const statusText = decision.status === 401 ? 'Unauthorized' : 'Forbidden';
    socket.end(`HTTP/1.1 ${decision.status} ${statusText}\r\nConnection: close\r\n\r\n${decision.reason}`);
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

  private async receive(client: Client, text: string | null): Promise<void> {
    const refusal = await this.handle(client, text);
    if (refusal) this.send(client, { type: 'error', ...refusal });
  }

  /** Carries out one message; returns the refusal to send back, if any. */
  private async handle(client: Client, text: string | null): Promise<Omit<ErrorMessage, 'type'> | null> {
    if (!this.takeCommandToken(client)) {
      return {
        requestId: null,
        code: 'rate-limited',
        message: `at most ${this.commandsPerSecond} messages per second`,
      };
    }
    if (text === null) return { requestId: null, code: 'bad-request', message: 'binary messages are not accepted' };
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return { requestId: null, code: 'bad-request', message: parsed.error };
    const message = parsed.value;
    if (message.type === 'hello') {
      this.greet(client, message.protocol.major);
      return null;
    }
    if (!client.greeted) return { requestId: null, code: 'bad-request', message: 'send hello first' };
    if (CONTROL_COMMANDS.has(message.type) && client.role !== 'control') {
      return {
        requestId: message.requestId,
        code: 'forbidden',
        message: 'this connection may only watch: use the control URL to change sockets',
      };
    }
    switch (message.type) {
      case 'setSnapshotRate':
        client.snapshotsPerSecond = message.perSecond;
        break;
      case 'resync':
        client.ownersBase = null;
        this.send(client, this.options.agent.state());
        break;
      case 'subscribe':
        client.detailOf = message.detailOf;
        client.lastDetailAt = 0;
        break;
      case 'inspectSocket':
      case 'readFrame':
        try {
          const agent = this.options.agent;
          this.send(
            client,
            message.type === 'inspectSocket'
              ? agent.inspect(message.socketId, message.requestId)
              : agent.readFrame(message.socketId, message.frame, message.requestId),
          );
          return null;
        } catch (error) {
          if (!(error instanceof CommandError)) throw error;
          return { requestId: message.requestId, code: error.code, message: error.message };
        }
      default:
        try {
          await this.options.agent.execute(message);
        } catch (error) {
          if (!(error instanceof CommandError)) throw error;
          return {
            requestId: message.requestId,
            code: error.code,
            message: error.message,
            ...(error.problems ? { problems: error.problems } : {}),
          };
        }
    }
    if (client.socket.readyState === client.socket.OPEN)
      this.send(client, { type: 'ack', requestId: message.requestId });
    return null;
  }

  private greet(client: Client, major: number): void {
    if (major !== PROTOCOL_VERSION.major) {
      this.send(client, {
        type: 'error',
        requestId: null,
        code: 'unsupported-version',
        message: `this agent speaks protocol ${PROTOCOL_VERSION.major}.x, the client ${major}.x: reload the page served by this agent`,
      });
      client.socket.close(1008, 'unsupported protocol version');
      return;
    }
    client.greeted = true;
    this.send(client, this.options.agent.hello(client.role));
    this.send(client, this.options.agent.state());
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
