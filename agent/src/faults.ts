/**
 * Faults that come from outside the agent: someone removes a lab namespace,
 * deletes the interface under a socket or detaches an XDP program. The agent
 * compares what it relies on with what it sees, and says what went missing.
 */

/** What the agent relies on: its lab namespaces, the interfaces its sockets are on, the programs it attached. */
export interface Expectations {
  namespaces: readonly string[];
  interfaces: readonly string[];
  programs: readonly { ifname: string; programId: number }[];
}

/** What is there now. `links` is null when the sockets' namespace could not be looked into. */
export interface Surroundings {
  namespaces: readonly string[];
  /** Interface name → the XDP program attached to it (null: none). */
  links: ReadonlyMap<string, number | null> | null;
}

export type Fault =
  | { kind: 'namespace-removed'; namespace: string }
  | { kind: 'interface-gone'; ifname: string }
  | { kind: 'program-detached'; ifname: string; programId: number; attached: number | null };

export function faultsIn(expected: Expectations, seen: Surroundings): Fault[] {
  const faults: Fault[] = expected.namespaces
    .filter((namespace) => !seen.namespaces.includes(namespace))
    .map((namespace) => ({ kind: 'namespace-removed', namespace }));
  const links = seen.links;
  if (links === null) return faults;
  for (const ifname of expected.interfaces) {
    if (!links.has(ifname)) faults.push({ kind: 'interface-gone', ifname });
  }
  for (const { ifname, programId } of expected.programs) {
    const attached = links.get(ifname);
    if (attached !== undefined && attached !== programId) {
      faults.push({ kind: 'program-detached', ifname, programId, attached });
    }
  }
  return faults;
}

/** One key per fault, so each is told once while it lasts and again if it comes back. */
export const faultKey = (fault: Fault): string =>
  fault.kind === 'namespace-removed' ? `${fault.kind}:${fault.namespace}` : `${fault.kind}:${fault.ifname}`;

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'namespace-removed':
      return `lab namespace ${fault.namespace} was removed from outside: the sockets in it keep running (they hold the namespace), but nothing new can be made there; restart Ringside for a fresh lab`;
    case 'interface-gone':
      return `interface ${fault.ifname} was deleted from outside: its sockets were unbound by the kernel and are removed`;
    case 'program-detached':
      return fault.attached === null
        ? `the XDP program on ${fault.ifname} (id ${fault.programId}) was detached from outside: frames now go to the kernel stack, not to the sockets; set the interface's program to attach it again`
        : `the XDP program on ${fault.ifname} (id ${fault.programId}) was replaced from outside by program ${fault.attached}: frames no longer reach the sockets through Ringside's XSKMAP; set the interface's program to attach it again`;
  }
}
