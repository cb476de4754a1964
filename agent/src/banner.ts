import type { StateMessage } from '@ringside/shared';
import { urlLines } from './run-file.mjs';

export interface BannerFacts {
  controlUrl: string;
  viewUrl: string;
  state: Pick<StateMessage, 'lab' | 'sockets' | 'traffic'>;
  /** What the user must know before anything else (a real interface's queue taken from the stack). */
  warnings: readonly string[];
}

/**
 * What a start prints on a terminal: the URLs, where the sockets are and how
 * to stop. The URL lines are the ones every start prints, so a harness that
 * reads them reads a terminal's output too.
 */
export function banner({ controlUrl, viewUrl, state, warnings }: BannerFacts): string {
  const lines: string[] = [''];
  const { lab, traffic } = state;
  if (lab) {
    lines.push(
      `  Lab        namespaces ${lab.appNamespace} and ${lab.peerNamespace}`,
      `             veth ${lab.appIfname} ↔ ${lab.peerIfname}, ${lab.queues} queue${lab.queues === 1 ? '' : 's'}`,
    );
    if (traffic)
      lines.push(`  Traffic    ${traffic.ratePps} frames/s of ${traffic.frameSize} bytes from ${traffic.ifname}`);
  }
  for (const socket of state.sockets) {
    lines.push(
      `  Socket     ${socket.id}: ${socket.workload} on queue ${socket.config.queueId} of ${socket.config.ifname}`,
    );
  }
  lines.push('', ...urlLines(controlUrl, viewUrl).trimEnd().split('\n'), '');
  for (const warning of warnings) lines.push(`  Warning: ${warning}.`);
  lines.push(
    lab
      ? '  Ctrl-C stops Ringside and removes the lab.'
      : `  Ctrl-C stops Ringside: its sockets close and its XDP programs are detached.`,
    '',
  );
  return lines.join('\n');
}
