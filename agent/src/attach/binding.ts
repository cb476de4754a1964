import type { KernelView } from '@ringside/shared';
import { listXdpLinks } from '../host/interfaces.ts';
import { describeXdpProgramAsync } from '../host/xdp-programs.ts';

/**
 * Where an XSK is bound, when nothing reports it. Without xsk_diag the socket
 * does not say (the interface and queue are in the kernel's xdp_sock, which
 * only bind() and the diag module touch), and an XSKMAP's values cannot be
 * read back. What can be read is the namespace's interfaces and their XDP
 * programs: when exactly one interface of the owner's namespace runs a program
 * that redirects to an XSKMAP, that is where its sockets receive; when that
 * interface has one queue, it is their queue too.
 */

export interface BindingCandidate {
  ifname: string;
  programId: number;
  xdpMode: 'skb' | 'drv' | 'hw';
  hasXskmap: boolean;
  rxQueues: number;
}

export type InferredBinding = Pick<KernelView, 'ifname' | 'queueId' | 'xdpMode' | 'xdpProgramId'>;

/** The facts of a view that say where its socket is bound: those a binding inference fills in. */
export function bindingOf(view: KernelView): InferredBinding {
  const { ifname, queueId, xdpMode, xdpProgramId } = view;
  return { ifname, queueId, xdpMode, xdpProgramId };
}

export function inferBinding(candidates: readonly BindingCandidate[], namespace: string): InferredBinding | null {
  const redirecting = candidates.filter((candidate) => candidate.hasXskmap);
  const [only] = redirecting;
  if (!only || redirecting.length > 1) return null;
  const note = `inferred: ${only.ifname} is the only interface of ${namespace} whose XDP program redirects to an XSKMAP`;
  return {
    ifname: { value: only.ifname, source: 'netlink', note },
    xdpMode: { value: only.xdpMode, source: 'netlink', note },
    xdpProgramId: { value: only.programId, source: 'netlink', note },
    queueId:
      only.rxQueues === 1
        ? { value: 0, source: 'netlink', note: `inferred: ${only.ifname} has one receive queue` }
        : { value: null, source: 'unknown', note: `${only.ifname} has ${only.rxQueues} receive queues` },
  };
}

/** What `ip` showed of a namespace's XDP programs, and the candidates read from it. */
const seen = new Map<string, { links: string; candidates: BindingCandidate[] }>();

/**
 * The interfaces of named namespace `namespace` running an XDP program, and
 * whether each program has an XSKMAP: one `ip` call, and bpftool only for
 * programs not seen on the same interfaces before. Both run off the event
 * loop, which serves clients meanwhile.
 */
export async function bindingCandidates(namespace: string): Promise<BindingCandidate[]> {
  const listed = await listXdpLinks(namespace).catch((error: Error) => {
    // The namespace went away: forget it, so a namespace made later under its name starts afresh.
    seen.delete(namespace);
    throw error;
  });
  const running = listed.flatMap((link) =>
    link.attachedXdp ? [{ ifname: link.name, rxQueues: link.rxQueues, ...link.attachedXdp }] : [],
  );
  const links = JSON.stringify(running);
  const known = seen.get(namespace);
  if (known?.links === links) return known.candidates;
  const programs = await Promise.all(running.map((link) => describeXdpProgramAsync(link.programId)));
  const candidates = running.flatMap((link, i) => {
    const program = programs[i];
    if (!program) return [];
    const { ifname, programId, mode, rxQueues } = link;
    return [{ ifname, programId, xdpMode: mode, hasXskmap: program.xskmap !== null, rxQueues }];
  });
  seen.set(namespace, { links, candidates });
  return candidates;
}
