import { describe, expect, it } from 'vitest';
import { accessPolicy, decideAccess } from './access.ts';

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

  it('refuses a missing or wrong token', () => {
    expect(decideAccess(policy, { host, origin: undefined, token: null })).toMatchObject({ ok: false, status: 401 });
    expect(decideAccess(policy, { host, origin: undefined, token: `${policy.controlToken}x` })).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('refuses a page from another origin even with the right token', () => {
    expect(decideAccess(policy, { host, origin: 'http://evil.example', token: policy.controlToken })).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(decideAccess(policy, { host, origin: 'http://127.0.0.1:8080', token: policy.controlToken })).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('refuses a Host it does not answer to (DNS rebinding)', () => {
    expect(
      decideAccess(policy, { host: 'rebind.example:7420', origin: undefined, token: policy.controlToken }),
    ).toMatchObject({
      ok: false,
      status: 403,
    });
  });
});
