import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  accessPolicy,
  addressesServed,
  agentUrls,
  audienceUrls,
  decideAccess,
  isLoopback,
  LOOPBACK,
  parseAllowedHost,
  refuseSource,
  requestToken,
} from './access.ts';

const policy = accessPolicy('127.0.0.1', 7420);
const host = '127.0.0.1:7420';

describe('who may open the agent WebSocket', () => {
  it('grants control to the control token and view to the view token', () => {
    expect(decideAccess(policy, { host, origin: `http://${host}`, token: policy.controlToken })).toEqual({
      ok: true,
      role: 'control',
    });
    expect(decideAccess(policy, { host: 'localhost:7420', origin: undefined, token: policy.viewToken })).toEqual({
      ok: true,
      role: 'view',
    });
  });

  it('refuses a missing or wrong token, saying where the right link is', () => {
    expect(decideAccess(policy, { host, origin: undefined, token: null })).toMatchObject({
      ok: false,
      status: 401,
      reason: 'this link has no token: open the URL printed by `npm start`',
    });
    expect(decideAccess(policy, { host, origin: undefined, token: `${policy.controlToken}x` })).toMatchObject({
      ok: false,
      status: 401,
      reason: 'this link has no valid token: open the URL printed by `npm start`',
    });
  });

  it('refuses a page from another origin even with the right token', () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:8080', 'null', `https://${host}`, `ws://${host}`]) {
      expect(decideAccess(policy, { host, origin, token: policy.controlToken })).toMatchObject({
        ok: false,
        status: 403,
      });
    }
  });

  it('refuses a Host it does not answer to (DNS rebinding)', () => {
    expect(
      decideAccess(policy, { host: 'rebind.example:7420', origin: undefined, token: policy.controlToken }),
    ).toMatchObject({ ok: false, status: 403 });
  });
});

describe('where a request may come from', () => {
  it('is only a Host spelled as the agent is reached, however else the address may be written', () => {
    for (const name of ['127.0.0.1', 'localhost', 'LOCALHOST', '[::1]']) {
      expect(refuseSource(policy, { host: `${name}:7420`, origin: undefined })).toBeNull();
    }
    const foreign = [
      'evil.example',
      'localhost6:7420',
      '10.0.2.555:7420',
      '0177.0.0.1:7420',
      '2130706433:7420',
      '127.0.0.1.nip.io:7420',
      '127.0.0.1',
      '127.0.0.1:7421',
      '',
    ];
    for (const name of foreign) expect(refuseSource(policy, { host: name, origin: undefined })?.status).toBe(403);
    expect(refuseSource(policy, { host: undefined, origin: undefined })?.reason).toContain('(none)');
  });

  it('compares Origin as scheme, host and port', () => {
    expect(refuseSource(policy, { host, origin: `http://${host}` })).toBeNull();
    expect(refuseSource(policy, { host, origin: 'http://localhost:7420' })).toBeNull();
    expect(refuseSource(policy, { host, origin: `https://${host}` })?.status).toBe(403);
    expect(refuseSource(policy, { host, origin: 'http://127.0.0.1' })?.status).toBe(403);
  });

  it('quotes a hostile header shortly', () => {
    const refusal = refuseSource(policy, { host: 'x'.repeat(10_000), origin: undefined });
    expect(refusal?.reason.length).toBeLessThan(200);
  });

  it('drops port 80 from the spellings, as browsers do', () => {
    const onPort80 = accessPolicy('127.0.0.1', 80);
    expect(refuseSource(onPort80, { host: '127.0.0.1', origin: 'http://127.0.0.1' })).toBeNull();
  });
});

describe('the token a request carries', () => {
  const url = (query = '') => new URL(`http://127.0.0.1:7420/metrics${query}`);

  it('is the bearer token when there is one, else the query token', () => {
    expect(requestToken('Bearer abc', url('?token=xyz'))).toBe('abc');
    expect(requestToken('bearer abc', url())).toBe('abc');
    expect(requestToken(undefined, url('?token=xyz'))).toBe('xyz');
  });

  it('is absent when neither carries one', () => {
    expect(requestToken(undefined, url())).toBeNull();
    expect(requestToken('Basic dXNlcjpwYXNz', url())).toBeNull();
  });
});

describe('the names given with --allowed-host', () => {
  const parsed = (text: string) => {
    const result = parseAllowedHost(text);
    if (!result.ok) throw new Error(result.problem);
    return result.host;
  };

  it('are host names, IPv4 addresses and IPv6 addresses, as a browser writes them in Host', () => {
    expect(parsed('Workshop-Box.local')).toEqual({ name: 'workshop-box.local', port: null });
    expect(parsed('192.168.1.20')).toEqual({ name: '192.168.1.20', port: null });
    expect(parsed('fe80::1')).toEqual({ name: '[fe80::1]', port: null });
    expect(parsed('[FD00:0::2]')).toEqual({ name: '[fd00::2]', port: null });
    expect(parsed('box')).toEqual({ name: 'box', port: null });
  });

  it('may carry a port of their own, for a tunnel', () => {
    expect(parsed('localhost:8000')).toEqual({ name: 'localhost', port: 8000 });
    expect(parsed('[fd00::2]:9000')).toEqual({ name: '[fd00::2]', port: 9000 });
  });

  it('refuses what is not one, naming the forms it takes', () => {
    const refusals = [
      '',
      'http://box',
      'box/',
      'user@box',
      'box:',
      'box:0',
      'box:65536',
      '-box',
      'a..b',
      `${'a'.repeat(64)}.local`,
      'fe80::1%eth0',
      '[box]',
      'fe80::1:7420:x',
    ];
    for (const text of refusals) {
      const result = parseAllowedHost(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.problem).toContain('--allowed-host');
    }
    const result = parseAllowedHost('http://box');
    expect(!result.ok && result.problem).toContain('workshop-box.local');
  });

  it('refuses spellings a browser would rewrite to another address', () => {
    for (const text of ['0177.0.0.1', '2130706433', '1.2.3', '0x7f.0.0.1', '256.0.0.1', 'box.123']) {
      expect(parseAllowedHost(text).ok, text).toBe(false);
    }
  });

  it('refuses the wildcard addresses, which no browser can open', () => {
    for (const text of ['0.0.0.0', '::', '[::]', '0:0::0']) {
      const result = parseAllowedHost(text);
      expect(!result.ok && result.problem, text).toContain('every address');
    }
  });
});

describe('an agent that answers to more names', () => {
  const workshop = accessPolicy('127.0.0.1', 7420, { control: 'C', view: 'V' }, [
    { name: 'workshop-box.local', port: null },
    { name: '[fd00::2]', port: null },
    { name: 'localhost', port: 8000 },
  ]);

  it('lets each in exactly, as Host and as Origin, and refuses its near spellings', () => {
    for (const host of ['workshop-box.local:7420', 'WORKSHOP-BOX.LOCAL:7420', '[fd00::2]:7420', 'localhost:8000']) {
      expect(refuseSource(workshop, { host, origin: `http://${host}` }), host).toBeNull();
    }
    const near = [
      'workshop-box.local',
      'workshop-box.local:7421',
      'workshop-box.local.:7420',
      'x.workshop-box.local:7420',
      'workshop-box.local.nip.io:7420',
      '[fd00::0:2]:7420',
      'localhost:8001',
      '127.0.0.1:8000',
    ];
    for (const host of near) expect(refuseSource(workshop, { host, origin: undefined })?.status, host).toBe(403);
    expect(
      refuseSource(workshop, { host: 'workshop-box.local:7420', origin: 'https://workshop-box.local:7420' })?.status,
    ).toBe(403);
    expect(
      refuseSource(workshop, { host: 'workshop-box.local:7420', origin: 'http://evil.example:7420' })?.status,
    ).toBe(403);
  });

  it('keeps every refusal of a loopback-only agent', () => {
    for (const name of ['evil.example', '0177.0.0.1:7420', '2130706433:7420', '127.0.0.1.nip.io:7420', '']) {
      expect(refuseSource(workshop, { host: name, origin: undefined })?.status, name).toBe(403);
    }
  });

  it('has a URL pair for each name, the bind address first, and gives a room only the view URLs other machines can open', () => {
    expect(agentUrls(workshop)).toEqual([
      { control: 'http://127.0.0.1:7420/?token=C', view: 'http://127.0.0.1:7420/?token=V' },
      { control: 'http://workshop-box.local:7420/?token=C', view: 'http://workshop-box.local:7420/?token=V' },
      { control: 'http://[fd00::2]:7420/?token=C', view: 'http://[fd00::2]:7420/?token=V' },
      { control: 'http://localhost:8000/?token=C', view: 'http://localhost:8000/?token=V' },
    ]);
    expect(audienceUrls(agentUrls(workshop))).toEqual([
      'http://workshop-box.local:7420/?token=V',
      'http://[fd00::2]:7420/?token=V',
    ]);
    expect(audienceUrls(agentUrls(accessPolicy('127.0.0.1', 7420, { control: 'C', view: 'V' })))).toEqual([]);
  });

  it('answers on every bind to exactly the names it counts as loopback, which a room is never given', () => {
    const everywhere = accessPolicy('0.0.0.0', 7420, { control: 'C', view: 'V' }, [{ name: 'box.local', port: null }]);
    for (const name of LOOPBACK) expect(isLoopback(name), name).toBe(true);
    expect([...everywhere.allowedHosts].filter((allowed) => isLoopback(new URL(`http://${allowed}`).hostname))).toEqual(
      ['127.0.0.1:7420', 'localhost:7420', '[::1]:7420'],
    );
    // As URL writes an IPv6 hostname.
    expect(isLoopback('[::1]')).toBe(true);
    for (const name of ['127.0.0.1.nip.io', '0177.0.0.1', '[fd00::2]', '0.0.0.0', 'box.local'])
      expect(isLoopback(name), name).toBe(false);
  });

  it('is reached on this machine through loopback when it serves every address, never through the wildcard', () => {
    const everywhere = accessPolicy('0.0.0.0', 7420, { control: 'C', view: 'V' }, [{ name: '192.0.2.2', port: null }]);
    expect(everywhere.urlHosts).toEqual(['127.0.0.1:7420', '192.0.2.2:7420']);
    expect(refuseSource(everywhere, { host: '0.0.0.0:7420', origin: undefined })?.status).toBe(403);
    expect(accessPolicy('::', 7420).urlHosts).toEqual(['[::1]:7420']);
    expect(accessPolicy('192.0.2.2', 7420).urlHosts).toEqual(['192.0.2.2:7420']);
  });

  it('names the --allowed-host that would let a refused name in', () => {
    const reason = (host: string) => refuseSource(workshop, { host, origin: undefined })?.reason;
    expect(reason('box.lan:7420')).toContain('--allowed-host box.lan if the name is yours');
    expect(reason('box.lan:9000')).toContain('--allowed-host box.lan:9000 ');
    expect(reason('[fd00::3]:7420')).toContain('--allowed-host [fd00::3] ');
    expect(reason('0177.0.0.1:7420')).toContain('--allowed-host NAME ');
  });
});

describe('the addresses a wildcard bind serves, offered as names', () => {
  const info = (address: string, family: 'IPv4' | 'IPv6', internal = false) =>
    ({ address, family, internal, netmask: '', mac: '', cidr: null }) as NetworkInterfaceInfo;
  const interfaces = {
    lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
    eth0: [info('192.0.2.2', 'IPv4'), info('fd00::2', 'IPv6'), info('fe80::fc:ff:fe00:1', 'IPv6')],
  };

  it('are the IPv4 ones on 0.0.0.0, and the routable IPv6 ones too on ::', () => {
    expect(addressesServed('0.0.0.0', interfaces)).toEqual([{ address: '192.0.2.2', ifname: 'eth0' }]);
    expect(addressesServed('::', interfaces)).toEqual([
      { address: '192.0.2.2', ifname: 'eth0' },
      { address: 'fd00::2', ifname: 'eth0' },
    ]);
  });

  it('are none for an address that is itself the name', () => {
    expect(addressesServed('192.0.2.2', interfaces)).toEqual([]);
  });
});
