import { Workload } from '@ringside/shared';

/** What the command line says about the socket Ringside opens at start. */
export interface FirstSocketRequest {
  /** A real interface (opt-in); null: the built-in lab. */
  iface: string | null;
  queue: number;
  /** As typed after --workload, if it was. */
  workload: string | undefined;
}

export type FirstSocket = { ok: true; workload: Workload; warning: string | null } | { ok: false; problem: string };

/**
 * Which workload the first socket runs, and what the user must be told
 * first. In the lab nothing real is at stake, so rxdrop is the default. On a
 * real interface every workload takes the queue's frames from the kernel
 * stack, since the XDP program redirects them all to the socket: rxdrop drops
 * them, l2fwd sends them back out, and txonly leaves FILL empty so the kernel
 * drops them. That is never done by default, nor without saying so.
 */
export function firstSocket(request: FirstSocketRequest): FirstSocket {
  const { iface, queue } = request;
  const parsed = request.workload === undefined ? null : Workload.safeParse(request.workload);
  if (parsed && !parsed.success) {
    return {
      ok: false,
      problem: `--workload must be one of ${Workload.options.join(', ')}, not '${request.workload}'.`,
    };
  }
  const workload = parsed?.data ?? null;
  if (iface === null) return { ok: true, workload: workload ?? 'rxdrop', warning: null };
  const where = `queue ${queue} of ${iface}`;
  if (workload === null) {
    return {
      ok: false,
      problem:
        `--iface ${iface} needs --workload: Ringside's socket takes every frame ${where} receives away from the kernel ` +
        `stack (an SSH session on that queue included). Choose --workload rxdrop (drop them), l2fwd (send them back out) ` +
        `or txonly (send test frames; received ones are dropped), pick an idle queue with --queue, or leave out --iface for the built-in lab.`,
    };
  }
  const fate = { rxdrop: 'dropped', l2fwd: `sent back out of ${iface}`, txonly: 'dropped (txonly reads none)' }[
    workload
  ];
  return {
    ok: true,
    workload,
    warning: `${workload} on ${where}: every frame that queue receives goes to Ringside's socket and is ${fate}, never reaching the kernel stack`,
  };
}
