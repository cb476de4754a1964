import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import type { Role } from '@ringside/shared';
import type { AgentUrl } from '../run-file.mjs';

export type { AgentUrl };

/** host[:port] spellings, at least one. */
type Hosts = readonly [string, ...string[]];

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
  /** Where the agent's URLs point, each one of allowedHosts: the bind address's first, then each allowed name. */
  urlHosts: Hosts;
  /** The port the agent listens on: an allowed name without a port of its own means this one. */
  port: number;
}

/** The names of this machine that only it opens: the agent answers to each, however it is bound. */
export const LOOPBACK = ['127.0.0.1', 'localhost', '::1'] as const;

/** Whether a name (an IPv6 address in a URL's brackets or not) is one of LOOPBACK. */
export function isLoopback(name: string): boolean {
  return (LOOPBACK as readonly string[]).includes(name.replace(/^\[(.*)\]$/, '$1'));
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * A name the agent answers to besides loopback and its bind address
 * (`--allowed-host`): how a browser that opens it writes it in Host, and the
 * port it carries when that is not the agent's own (a tunnel's).
 */
export interface AllowedHost {
  /** Lower case, an IPv6 address in brackets, as WHATWG URL serialises a host. */
  name: string;
  port: number | null;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`, 'i');
/** A last label like these makes WHATWG URL read the whole name as an IPv4 address, however it is written. */
const NUMERIC_LABEL = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/i;
const ALLOWED_HOST_FORMS =
  "a host name (workshop-box.local), an IPv4 address (192.168.1.20) or an IPv6 address (fe80::1 or [fe80::1]), optionally with :PORT (a tunnel's)";

/** The addresses that mean every address: a browser cannot open them, and no Host names them. */
export function isWildcardAddress(address: string): boolean {
  return address === '0.0.0.0' || (isIPv6(address) && /^[0:]+$/.test(address));
}

/**
 * Reads one `--allowed-host`. Refused rather than rewritten: a spelling the
 * URL parser would change (`0177.0.0.1`, `1.2.3`) is one the user did not
 * mean to give out, and every browser would send the other.
 */
export function parseAllowedHost(text: string): { ok: true; host: AllowedHost } | { ok: false; problem: string } {
  const refuse = (why: string) => ({ ok: false as const, problem: `--allowed-host '${quote(text)}' ${why}` });
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(text);
  const named = /^([^:]*)(?::(\d+))?$/.exec(text);
  let address: string;
  let portText: string | undefined;
  if (bracketed) [, address = '', portText] = bracketed;
  else if (text.split(':').length > 2) address = text;
  else if (named) [, address = '', portText] = named;
  else return refuse(`is not ${ALLOWED_HOST_FORMS}`);
  // Node's isIPv6 takes a zone (`fe80::1%eth0`), which URLs cannot carry.
  const ipv6 = isIPv6(address) && !address.includes('%');
  if (bracketed && !ipv6) return refuse(`has brackets around something other than an IPv6 address`);
  if (!ipv6 && !(NUMERIC_LABEL.test(address) ? isIPv4(address) : HOST_NAME.test(address)))
    return refuse(`is not ${ALLOWED_HOST_FORMS}`);
  if (isWildcardAddress(address))
    return refuse('means every address, which no browser can open: name the address or host name attendees will type');
  const port = portText === undefined ? null : Number(portText);
  if (port !== null && !(port >= 1 && port <= 65535)) return refuse('has a port outside 1 to 65535');
  return { ok: true, host: { name: new URL(`http://${ipv6 ? `[${address}]` : address}`).hostname, port } };
}

/**
 * What a browser writes in Host for a name on a port: URL drops the default
 * port as browsers do in Host and Origin (port 80 has neither).
 */
function hostOf(name: string, port: number): string {
  const bracketed = isIPv6(name) ? `[${name}]` : name;
  return new URL(`http://${bracketed}:${port}`).host;
}

/** The name a bind address is reached by: the wildcards cover loopback, which is what a URL on this machine opens. */
function bindName(bindHost: string): string {
  if (bindHost === '0.0.0.0') return '127.0.0.1';
  if (isWildcardAddress(bindHost)) return '::1';
  return bindHost;
}

export function accessPolicy(
  bindHost: string,
  port: number,
  tokens?: { control: string; view: string },
  allowed: readonly AllowedHost[] = [],
): AccessPolicy {
  const bound = hostOf(bindName(bindHost), port);
  const named = new Set(allowed.map((host) => hostOf(host.name, host.port ?? port)));
  named.delete(bound);
  const urlHosts: Hosts = [bound, ...named];
  const hosts = new Set([...LOOPBACK.map((name) => hostOf(name, port)), ...urlHosts]);
  return {
    controlToken: tokens?.control ?? newToken(),
    viewToken: tokens?.view ?? newToken(),
    allowedHosts: hosts,
    allowedOrigins: new Set([...hosts].map((host) => `http://${host}`)),
    urlHosts,
    port,
  };
}

/** The start URLs, one pair per name in the policy, the presenter's first. */
export function agentUrls(policy: AccessPolicy): [AgentUrl, ...AgentUrl[]] {
  const urlsOf = (host: string): AgentUrl => ({
    control: `http://${host}/?token=${policy.controlToken}`,
    view: `http://${host}/?token=${policy.viewToken}`,
  });
  const [bound, ...named] = policy.urlHosts;
  return [urlsOf(bound), ...named.map(urlsOf)];
}

/**
 * The view URLs to give a room: those of names other machines can open (none
 * on loopback alone: a QR code of 127.0.0.1 would send a phone to itself).
 * Never a control URL: a view page is shown them too.
 */
export function audienceUrls(urls: readonly AgentUrl[]): string[] {
  return urls.filter((url) => !isLoopback(new URL(url.view).hostname)).map((url) => url.view);
}

/**
 * This machine's addresses that a wildcard bind serves, to offer as
 * `--allowed-host` values: loopback is allowed already, and a link-local
 * IPv6 address needs a zone that URLs cannot carry.
 */
export function addressesServed(
  bindHost: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): { address: string; ifname: string }[] {
  if (!isWildcardAddress(bindHost)) return [];
  const ipv6 = bindHost !== '0.0.0.0';
  const served = (info: NetworkInterfaceInfo) =>
    !info.internal && (info.family === 'IPv4' || (ipv6 && !/^fe[89ab]/i.test(info.address)));
  return Object.entries(interfaces).flatMap(([ifname, addresses = []]) =>
    addresses.filter(served).map((info) => ({ address: info.address, ifname })),
  );
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
    return {
      status: 403,
      reason: `Host ${host} is not this agent: open the URL \`npm start\` printed, or add --allowed-host ${suggestedName(policy, source.host)} if the name is yours`,
    };
  }
  // Browsers send Origin on every WebSocket and cross-origin request; tools that are not browsers may omit it.
  if (source.origin !== undefined && !policy.allowedOrigins.has(source.origin.toLowerCase())) {
    return { status: 403, reason: `pages from ${quote(source.origin)} may not connect to this agent` };
  }
  return null;
}

/** The `--allowed-host` value that would let `host` in, when it is one; NAME otherwise. */
function suggestedName(policy: AccessPolicy, host: string | undefined): string {
  const parsed = host === undefined ? null : parseAllowedHost(host);
  if (!parsed?.ok) return 'NAME';
  // A Host without a port was opened on port 80, which browsers leave out.
  const port = parsed.host.port ?? 80;
  return port === policy.port ? parsed.host.name : `${parsed.host.name}:${port}`;
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
