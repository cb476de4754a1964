import { describe, expect, it } from 'vitest';
import { describeFault, type Expectations, type Fault, faultKey, faultsIn } from './faults.ts';

const expected: Expectations = {
  namespaces: ['ringside-1-0-app', 'ringside-1-0-peer'],
  interfaces: ['rs-app'],
  programs: [{ ifname: 'rs-app', programId: 40 }],
};
const namespaces = expected.namespaces;

describe('faults from outside the agent', () => {
  it('sees none while everything is where the agent left it', () => {
    expect(faultsIn(expected, { namespaces, links: new Map([['rs-app', 40]]) })).toEqual([]);
  });

  it('tells a removed namespace, and looks no further when the sockets are out of sight', () => {
    const faults = faultsIn(expected, { namespaces: ['ringside-1-0-peer'], links: null });
    expect(faults).toEqual([{ kind: 'namespace-removed', namespace: 'ringside-1-0-app' }]);
    expect(describeFault(faults[0] as Fault)).toContain('removed from outside');
  });

  it('tells an interface deleted under its sockets', () => {
    expect(faultsIn(expected, { namespaces, links: new Map([['lo', null]]) })).toEqual([
      { kind: 'interface-gone', ifname: 'rs-app' },
    ]);
  });

  it('tells a program detached or replaced from outside apart', () => {
    const detached = faultsIn(expected, { namespaces, links: new Map([['rs-app', null]]) });
    const replaced = faultsIn(expected, { namespaces, links: new Map([['rs-app', 77]]) });
    expect(detached).toEqual([{ kind: 'program-detached', ifname: 'rs-app', programId: 40, attached: null }]);
    expect(describeFault(detached[0] as Fault)).toContain('frames now go to the kernel stack');
    expect(describeFault(replaced[0] as Fault)).toContain('replaced from outside by program 77');
    expect(faultKey(detached[0] as Fault)).toBe(faultKey(replaced[0] as Fault));
  });
});
