import {
  API_PATHS,
  type ClientMessage,
  decodeSnapshot,
  PROTOCOL_VERSION,
  parseServerMessage,
  type ServerMessage,
  SnapshotMessage,
} from '@ringside/shared';

/** `refused`: the agent said this page's token or name is not good; retrying would not change that. */
export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected' | 'refused';

export interface ConnectionHandlers {
  /** `retryInMs` is the wait before the next attempt while disconnected, otherwise null. */
  onStatus(status: ConnectionStatus, retryInMs: number | null): void;
  onMessage(message: ServerMessage): void;
  /** Every frame's owner per socket, as of the snapshot just delivered to onMessage. */
  onOwners?(owners: ReadonlyMap<string, Uint8Array>): void;
  /** Every message as it came (JSON text, snapshot bytes), once the handlers above have taken it: the page's recorder keeps them. */
  onReceived?(data: string | Uint8Array): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/** The agent's WebSocket endpoint on the host that served the page, carrying the page's token. */
export function socketUrl(page: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const token = new URLSearchParams(page.search).get('token') ?? '';
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${page.host}${API_PATHS.webSocket}?token=${encodeURIComponent(token)}`;
}

/**
 * Where the agent says, over plain HTTP, whether a token is good: a browser
 * shows a page nothing of why an upgrade was refused.
 */
export function sessionUrl(socket: string): string {
  const url = new URL(socket);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = API_PATHS.session;
  return url.href;
}

/**
 * One logical connection to the agent: reconnects with exponential backoff
 * for as long as the page lives, unless the agent refuses the page's token.
 */
export class Connection {
  readonly #url: string;
  readonly #handlers: ConnectionHandlers;
  #socket: WebSocket | null = null;
  #retryMs = FIRST_RETRY_MS;
  /** The owners the last snapshot left us with: the agent sends the next ones as a delta against them. */
  #owners: Map<string, Uint8Array> | null = null;

  constructor(url: string, handlers: ConnectionHandlers) {
    this.#url = url;
    this.#handlers = handlers;
  }

  start(): void {
    this.#open();
  }

  /** Returns false, sending nothing, unless the socket is open. */
  send(message: ClientMessage): boolean {
    if (this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  #open(): void {
    this.#handlers.onStatus('connecting', null);
    const socket = new WebSocket(this.#url);
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    // A new connection starts from a whole snapshot.
    this.#owners = null;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.#handlers.onStatus('connected', null);
      this.send({ type: 'hello', protocol: PROTOCOL_VERSION });
    };
    socket.onmessage = (event) => this.#receive(event.data);
    // A failed attempt fires `error` and then `close`; handling `close` alone retries exactly once.
    socket.onclose = () => {
      this.#socket = null;
      if (opened) this.#retryLater();
      else void this.#askWhyRefused();
    };
  }

  /**
   * The upgrade failed: a token the agent refuses (401), or a name it does not
   * answer to (403, in words naming `--allowed-host`), ends the connection
   * with its reason; anything else is retried.
   */
  async #askWhyRefused(): Promise<void> {
    let reason: string | null = null;
    try {
      const answer = await fetch(sessionUrl(this.#url), { cache: 'no-store' });
      if (answer.status === 401) reason = ((await answer.json()) as { error?: unknown }).error as string;
      // Refused before the token is read, so in the plain words every refused request gets.
      if (answer.status === 403) reason = await answer.text();
    } catch {
      // The agent is not there (restarting, stopped): the socket's own retry covers that.
    }
    if (typeof reason !== 'string') return this.#retryLater();
    this.#handlers.onMessage({ type: 'error', requestId: null, code: 'forbidden', message: reason });
    this.#handlers.onStatus('refused', null);
  }

  #receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      this.#receiveSnapshot(new Uint8Array(data));
      return;
    }
    if (typeof data !== 'string') return;
    const parsed = parseServerMessage(data);
    if (!parsed.ok) {
      console.warn(`ringside: ignoring a malformed message: ${parsed.error}`);
      return;
    }
    // Only the agent's hello shows it accepted us; resetting on `open` would retry
    // every half second against an agent that accepts and then closes.
    if (parsed.value.type === 'hello') this.#retryMs = FIRST_RETRY_MS;
    this.#handlers.onMessage(parsed.value);
    this.#handlers.onReceived?.(data);
  }

  /** Snapshots come binary (see snapshot-codec.ts); one that cannot be read costs a resync, never a crash. */
  #receiveSnapshot(bytes: Uint8Array): void {
    try {
      const { snapshot, owners } = decodeSnapshot(bytes, this.#owners);
      this.#owners = owners;
      this.#handlers.onMessage(SnapshotMessage.parse(snapshot));
      this.#handlers.onOwners?.(owners);
      this.#handlers.onReceived?.(bytes);
    } catch (error) {
      console.warn(`ringside: a snapshot could not be read (${(error as Error).message}); asking for a resync`);
      this.#owners = null;
      this.send({ type: 'resync', requestId: `resync-${Date.now()}` });
    }
  }

  #retryLater(): void {
    const delay = this.#retryMs;
    this.#retryMs = Math.min(delay * 2, MAX_RETRY_MS);
    this.#handlers.onStatus('disconnected', delay);
    setTimeout(() => this.#open(), delay);
  }
}
