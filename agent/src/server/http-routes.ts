import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type AccessPolicy, decideAccess, refuseSource, requestToken } from './access.ts';
import { COMMON_HEADERS, readStatic } from './static-files.ts';

/** What the HTTP side needs: who may ask, where the page is, and the metrics to render. */
export interface HttpContext {
  policy: AccessPolicy;
  webRoot: string;
  metrics: { render(): Promise<{ contentType: string; body: string }> };
  logger: Logger;
}

/** Where the page asks, without the WebSocket, whether its token is good: 200 with the role or 401 with why. */
export const SESSION_PATH = '/api/session';

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
 * checks first; `/metrics` and `/api/session` then need a token. Never
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
  if (url.pathname === SESSION_PATH) {
    const decision = decideAccess(context.policy, { ...source, token: token() });
    const body = decision.ok ? { role: decision.role } : { error: decision.reason };
    return answer(response, decision.ok ? 200 : decision.status, JSON.stringify(body), {
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
  }
  if (url.pathname === '/metrics') {
    // The view token may scrape: the metrics show what a view page shows, and Prometheus needs no control.
    const decision = decideAccess(context.policy, { ...source, token: token() });
    if (!decision.ok) {
      context.logger.warn({ status: decision.status, reason: decision.reason }, 'metrics scrape refused');
      const challenge: Record<string, string> =
        decision.status === 401 ? { 'www-authenticate': 'Bearer realm="ringside"' } : {};
      return answer(response, decision.status, decision.reason, challenge);
    }
    const { contentType, body } = await context.metrics.render();
    return answer(response, 200, body, { 'content-type': contentType, 'cache-control': 'no-store' });
  }
  // The path as sent: URL would resolve `%2e%2e` and backslashes away, and a path that tries them is refused whole.
  const file = await readStatic(context.webRoot, target.split(/[?#]/, 1)[0] ?? '/');
  if (file.status !== 200) return answer(response, file.status, file.reason);
  answer(response, 200, file.body, file.headers);
}
