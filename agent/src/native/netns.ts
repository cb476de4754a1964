import { closeSync, openSync } from 'node:fs';
import { enterNetworkNamespace } from './libc.ts';

/** The network namespace this thread started in: where the agent's server lives. */
let home: number | null = null;

function homeNamespace(): number {
  home ??= openSync('/proc/thread-self/ns/net', 'r');
  return home;
}

/**
 * Runs `work` with the calling thread inside the network namespace at
 * `namespacePath` (e.g. /run/netns/NAME), then returns the thread home.
 *
 * setns moves only the calling thread, and `work` is synchronous, so no other
 * JavaScript runs meanwhile: sockets the server opens stay in the home
 * namespace. Anything that names an interface (bind, XDP attach and detach)
 * must happen in here, because ifindexes are per namespace.
 */
export function inNetworkNamespace<T>(namespacePath: string | null, work: () => T): T {
  if (namespacePath === null) return work();
  const back = homeNamespace();
  const target = openSync(namespacePath, 'r');
  try {
    enterNetworkNamespace(target);
    try {
      return work();
    } finally {
      enterNetworkNamespace(back);
    }
  } finally {
    closeSync(target);
  }
}
