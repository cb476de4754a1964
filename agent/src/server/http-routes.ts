import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_PATHS, type ErrorCode, StateMessage, stateJsonSchema } from '@ringside/shared';
import type { Logger } from 'pino';
import { CAPTURE_SNAP_LENGTH, MAX_CAPTURE_FRAMES } from '../export/capture.ts';
import { type PcapPacket, pcapFile } from '../export/pcap.ts';
import { type AccessPolicy, decideAccess, refuseSource, requestToken } from './access.ts';
import { COMMON_HEADERS, readStatic } from './static-files.ts';

/** What the HTTP side needs: who may ask, where the page is, and the metrics to render. */
export interface HttpContext {
  policy: AccessPolicy;
  webRoot: string;
  metrics: { render(): Promise<{ contentType: string; body: string }> };
  /** What scripts and other tools read: the state as JSON, a socket's frames as pcap. */
  exports: {
    state(): StateMessage;
    /** Rejects with an error whose `code` is the protocol's (no such socket...). */
    capture(socketId: string, frames: number): Promise<PcapPacket[]>;
  };
  logger: Logger;
}

/** Generated once: the protocol does not change while the agent runs. */
let stateSchema: string | null = null;

/** A refusal of the agent's, told with the HTTP status that means the same. */
const STATUS_OF: Partial<Record<ErrorCode, number>> = { 'not-found': 404, 'bad-request': 400 };

/** A browser sends about twenty; Node keeps MAX_HEADERS + 1 of them (`maxHeadersCount`), so more shows as one too many. */
export const MAX_HEADERS = 100;

export function tooManyHeaders(request: IncomingMessage): boolean {
  return request.rawHeaders.length / 2 > MAX_HEADERS;
}

function answer(
  response: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    ...COMMON_HEADERS,
    ...headers,
    'content-length': String(bytes.length),
  });
  // A HEAD answer has the same headers and no body (Node sends none for HEAD either way).
  response.end(response.req.method === 'HEAD' ? undefined : bytes);
}

/**
 * Answers one HTTP request. Every request passes the same Host and Origin
 * checks first; metrics, the session and the exports then need a token. Never
 * rejects: what fails is answered here.
 */
export async function serveHttp(context: HttpContext, request: IncomingMessage, response: ServerResponse) {
  try {
    await route(context, request, response);
  } catch (error) {
    context.logger.error({ err: error, path: request.url?.slice(0, 200) }, 'HTTP request failed');
    if (!response.headersSent) answer(response, 500, 'the agent could not answer this request');
    else response.destroy();
  }
}

async function route(context: HttpContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return answer(response, 405, 'the agent answers GET and HEAD only', { allow: 'GET, HEAD' });
  }
  const source = { host: request.headers.host, origin: request.headers.origin };
  const refusal = refuseSource(context.policy, source);
  if (refusal) {
    context.logger.warn({ ...refusal, remote: request.socket.remoteAddress }, 'HTTP request refused');
    return answer(response, refusal.status, refusal.reason);
  }
  const target = request.url ?? '/';
  // Origin-form only (RFC 9112 3.2.1): an absolute target would let the request name another host.
  if (!target.startsWith('/')) return answer(response, 400, 'the request target must be a path');
  if (tooManyHeaders(request)) return answer(response, 431, `at most ${MAX_HEADERS} headers`);
  const url = new URL(`http://agent${target}`);
  const token = () => requestToken(request.headers.authorization, url);
  if (url.pathname === API_PATHS.session) {
    const decision = decideAccess(context.policy, { ...source, token: token() });
    const body = decision.ok ? { role: decision.role } : { error: decision.reason };
    return answer(response, decision.ok ? 200 : decision.status, JSON.stringify(body), {
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
  }
  if (TOKEN_PATHS.has(url.pathname)) {
    const decision = decideAccess(context.policy, { ...source, token: token() });
    if (!decision.ok) {
      context.logger.warn({ path: url.pathname, status: decision.status, reason: decision.reason }, 'request refused');
      const challenge: Record<string, string> =
        decision.status === 401 ? { 'www-authenticate': 'Bearer realm="ringside"' } : {};
      return answer(response, decision.status, decision.reason, challenge);
    }
    return serveWithToken(context, url, response);
  }
  // The path as sent: URL would resolve `%2e%2e` and backslashes away, and a path that tries them is refused whole.
  const file = await readStatic(context.webRoot, target.split(/[?#]/, 1)[0] ?? '/');
  if (file.status !== 200) return answer(response, file.status, file.reason);
  answer(response, 200, file.body, file.headers);
}

/** The view token is enough for each: they show what a view page shows, and a scraper or script needs no control. */
const TOKEN_PATHS = new Set<string>([API_PATHS.metrics, API_PATHS.state, API_PATHS.stateSchema, API_PATHS.capture]);

/** The routes behind a token, once it was found good. */
async function serveWithToken(context: HttpContext, url: URL, response: ServerResponse): Promise<void> {
  const json = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  switch (url.pathname) {
    case API_PATHS.metrics: {
      const { contentType, body } = await context.metrics.render();
      return answer(response, 200, body, { 'content-type': contentType, 'cache-control': 'no-store' });
    }
    case API_PATHS.state:
      // Parsed, as a page parses it: a script gets the protocol's fields, not whatever else the agent's objects carry.
      return answer(response, 200, JSON.stringify(StateMessage.parse(context.exports.state())), json);
    case API_PATHS.stateSchema:
      stateSchema ??= JSON.stringify(stateJsonSchema());
      return answer(response, 200, stateSchema, { ...json, 'content-type': 'application/schema+json' });
    default:
      return serveCapture(context, url, response);
  }
}

async function serveCapture(context: HttpContext, url: URL, response: ServerResponse): Promise<void> {
  const socketId = url.searchParams.get('socket');
  if (!socketId) return answer(response, 400, 'name the socket: ?socket=ID');
  const asked = url.searchParams.get('frames') ?? String(MAX_CAPTURE_FRAMES);
  const frames = /^\d+$/.test(asked) ? Number(asked) : Number.NaN;
  if (!(frames >= 1 && frames <= MAX_CAPTURE_FRAMES)) {
    return answer(response, 400, `frames must be a whole number from 1 to ${MAX_CAPTURE_FRAMES}, not '${asked}'`);
  }
  let packets: PcapPacket[];
  try {
    packets = await context.exports.capture(socketId, frames);
  } catch (error) {
    const status = STATUS_OF[(error as { code?: ErrorCode }).code as ErrorCode];
    if (status === undefined) throw error;
    return answer(response, status, (error as Error).message);
  }
  const name = `ringside-${socketId.replace(/[^\w.-]/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}.pcap`;
  return answer(response, 200, pcapFile(packets, CAPTURE_SNAP_LENGTH), {
    'content-type': 'application/vnd.tcpdump.pcap',
    'content-disposition': `attachment; filename="${name}"`,
    'cache-control': 'no-store',
  });
}
