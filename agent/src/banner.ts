import type { StateMessage } from '@ringside/shared';
import QRCode from 'qrcode';
import { urlLines } from './run-file.mjs';
import { type AgentUrl, audienceUrls } from './server/access.ts';

export interface BannerFacts {
  /** One pair per name the agent answers to, the one on this machine first (access.ts). */
  urls: readonly [AgentUrl, ...AgentUrl[]];
  state: Pick<StateMessage, 'lab' | 'sockets' | 'traffic'>;
  /** What the user must know before anything else (a real interface's queue taken from the stack). */
  warnings: readonly string[];
}

/**
 * What a start prints on a terminal: the URLs, where the sockets are and how
 * to stop. The URL lines are the ones every start prints, so a harness that
 * reads them reads a terminal's output too.
 */
export function banner({ urls, state, warnings }: BannerFacts): string {
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
  lines.push('', ...urlLines(urls).trimEnd().split('\n'), '', ...audienceLines(urls), '');
  for (const warning of warnings) lines.push(`  Warning: ${warning}.`);
  lines.push(
    lab
      ? '  Ctrl-C stops Ringside and removes the lab.'
      : `  Ctrl-C stops Ringside: its sockets close and its XDP programs are detached.`,
    '',
  );
  return lines.join('\n');
}

/** A QR code of the view URL a room can open; on loopback alone there is none, and the banner says how to get one. */
function audienceLines(urls: readonly AgentUrl[]): string[] {
  const [shared] = audienceUrls(urls);
  if (!shared) return ['  For an audience on other machines: --host 0.0.0.0 --allow-remote --allowed-host NAME.'];
  return [`  Scan to watch (view only): ${shared}`, ...terminalQr(shared).map((row) => `  ${row}`)];
}

/** Modules of quiet zone around the code: the standard asks 4, scanners read a terminal's with 2. */
const QUIET_ZONE = 2;

/**
 * A QR code as text, two modules a character (▀ ▄ █), dark on an explicitly
 * light background so a dark terminal theme does not invert it.
 */
export function terminalQr(text: string): string[] {
  const { size, data } = QRCode.create(text, { errorCorrectionLevel: 'L' }).modules;
  const dark = (row: number, column: number) =>
    row >= 0 && row < size && column >= 0 && column < size && data[row * size + column] === 1;
  const rows: string[] = [];
  for (let row = -QUIET_ZONE; row < size + QUIET_ZONE; row += 2) {
    let line = '';
    for (let column = -QUIET_ZONE; column < size + QUIET_ZONE; column++) {
      const top = dark(row, column);
      const bottom = dark(row + 1, column);
      line += top ? (bottom ? '█' : '▀') : bottom ? '▄' : ' ';
    }
    rows.push(`\x1b[30;47m${line}\x1b[0m`);
  }
  return rows;
}
