import { describe, expect, it } from 'vitest';
import { accessPolicy, decideAccess, refuseSource, requestToken } from './access.ts';

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
