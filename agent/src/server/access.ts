import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '@ringside/shared';

/**
 * Who may talk to the agent. The agent runs as root and reconfigures network
 * interfaces, so every request it answers is a security boundary: the Host
 * and Origin checks stop another site's page from reaching it through the
 * user's browser (DNS rebinding, cross-site WebSocket hijacking) and apply to
 * the page, its assets, `/metrics` and the upgrade alike; a token (as Jupyter
 * does) proves the client was given the start URL.
 */
export interface AccessPolicy {
  controlToken: string;
  viewToken: string;
  /** host[:port] spellings this server answers to, as a browser writes them in Host. */
  allowedHosts: ReadonlySet<string>;
  /** The same, as an Origin: the agent serves plain http, so an https origin is another site. */
  allowedOrigins: ReadonlySet<string>;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function accessPolicy(bindHost: string, port: number, tokens?: { control: string; view: string }): AccessPolicy {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  names.add(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost);
  // URL drops the default port as browsers do in Host and Origin (port 80 has neither).
  const hosts = [...names].map((name) => new URL(`http://${name}:${port}`).host);
  return {
    controlToken: tokens?.control ?? newToken(),
    viewToken: tokens?.view ?? newToken(),
    allowedHosts: new Set(hosts),
    allowedOrigins: new Set(hosts.map((host) => `http://${host}`)),
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface Refusal {
  status: 401 | 403;
  reason: string;
}

export type AccessDecision = { ok: true; role: Role } | ({ ok: false } & Refusal);

/** Where a request says it comes from. */
export interface RequestSource {
  host: string | undefined;
  origin: string | undefined;
}

/** Headers are the client's to choose: a refusal quotes at most this much of one. */
const QUOTED_CHARS = 80;
const quote = (text: string) => (text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text);

/**
 * Compared as whole strings, never parsed: `0177.0.0.1`, `2130706433` or
 * `127.0.0.1.nip.io` may reach the same address but are names another site
 * can own or rebind, so only the spellings in the policy pass.
 */
export function refuseSource(policy: AccessPolicy, source: RequestSource): Refusal | null {
  if (source.host === undefined || !policy.allowedHosts.has(source.host.toLowerCase())) {
    const host = source.host === undefined ? '(none)' : quote(source.host);
    return { status: 403, reason: `Host ${host} is not this agent: open the URL printed by \`npm start\`` };
  }
  // Browsers send Origin on every WebSocket and cross-origin request; tools that are not browsers may omit it.
  if (source.origin !== undefined && !policy.allowedOrigins.has(source.origin.toLowerCase())) {
    return { status: 403, reason: `pages from ${quote(source.origin)} may not connect to this agent` };
  }
  return null;
}

/** The role a token grants, or why it grants none. */
export function roleOfToken(policy: AccessPolicy, token: string | null): AccessDecision {
  if (!token) return { ok: false, status: 401, reason: 'this link has no token: open the URL printed by `npm start`' };
  if (sameSecret(token, policy.controlToken)) return { ok: true, role: 'control' };
  if (sameSecret(token, policy.viewToken)) return { ok: true, role: 'view' };
  return { ok: false, status: 401, reason: 'this link has no valid token: open the URL printed by `npm start`' };
}

export interface TokenRequest extends RequestSource {
  token: string | null;
}

/** For what needs a token (the WebSocket, `/metrics`, `/api/session`): the source first, then the token. */
export function decideAccess(policy: AccessPolicy, request: TokenRequest): AccessDecision {
  const refusal = refuseSource(policy, request);
  return refusal ? { ok: false, ...refusal } : roleOfToken(policy, request.token);
}

/**
 * The token a request carries: `Authorization: Bearer <token>` (what
 * Prometheus' `authorization` setting sends), else `?token=` as the page uses.
 */
export function requestToken(authorization: string | undefined, url: URL): string | null {
  const bearer = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return bearer?.[1] ?? url.searchParams.get('token');
}
