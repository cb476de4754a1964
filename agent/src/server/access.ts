import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '@ringside/shared';

/**
 * Who may talk to the agent. The agent runs as root and reconfigures network
 * interfaces, so its WebSocket is a security boundary: a token (as Jupyter
 * does) proves the client was given the start URL; the Host and Origin checks
 * stop another site's page from reaching it through the user's browser
 * (cross-site WebSocket hijacking, DNS rebinding).
 */
export interface AccessPolicy {
  controlToken: string;
  viewToken: string;
  /** host:port spellings this server answers to. */
  allowedHosts: ReadonlySet<string>;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function accessPolicy(bindHost: string, port: number, tokens?: { control: string; view: string }): AccessPolicy {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  names.add(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost);
  return {
    controlToken: tokens?.control ?? newToken(),
    viewToken: tokens?.view ?? newToken(),
    allowedHosts: new Set([...names].map((name) => `${name}:${port}`)),
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type AccessDecision = { ok: true; role: Role } | { ok: false; status: 401 | 403; reason: string };

export interface UpgradeRequest {
  host: string | undefined;
  origin: string | undefined;
  token: string | null;
}

export function decideAccess(policy: AccessPolicy, request: UpgradeRequest): AccessDecision {
  if (!request.host || !policy.allowedHosts.has(request.host.toLowerCase())) {
    return { ok: false, status: 403, reason: `Host ${request.host ?? '(none)'} is not this agent` };
  }
  // Browsers always send Origin on a WebSocket; tools that are not browsers may omit it.
  if (request.origin !== undefined) {
    let originHost: string;
    try {
      const origin = new URL(request.origin);
      originHost = origin.protocol === 'http:' || origin.protocol === 'https:' ? origin.host : '';
    } catch {
      originHost = '';
    }
    if (!policy.allowedHosts.has(originHost)) {
      return { ok: false, status: 403, reason: `pages from ${request.origin} may not connect to this agent` };
    }
  }
  if (!request.token) return { ok: false, status: 401, reason: 'a token is required: open the URL the agent printed' };
  if (sameSecret(request.token, policy.controlToken)) return { ok: true, role: 'control' };
  if (sameSecret(request.token, policy.viewToken)) return { ok: true, role: 'view' };
  return { ok: false, status: 401, reason: 'wrong token: open the URL the agent printed' };
}
