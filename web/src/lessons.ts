import {
  defaultSocketRequest,
  type LessonOutcome,
  type LessonSummary,
  lessonSocketId,
  START_SOCKET_ID,
  type StateMessage,
} from '@ringside/shared';
import type { CommandBody } from './store.ts';

/**
 * The commands that give the lab back its own socket once a lesson has run:
 * the lesson's sockets go (a queue takes the sockets of one UMEM only),
 * Ringside's program by queue comes back in place of the lesson's, xsk0 is
 * created with the default settings (rxdrop: the page does not know a
 * `--workload` the agent started with), and the source, which a lesson leaves
 * paused, resumes. Null when there is nothing to go back from:
 * no lab, no lesson run, or xsk0 is there.
 */
export function backToLabSocket(
  state: Pick<StateMessage, 'lab' | 'sockets' | 'xdpPrograms' | 'traffic' | 'lessons'>,
): CommandBody[] | null {
  const { lab, sockets, traffic } = state;
  if (!lab || !state.lessons?.last || sockets.some((socket) => socket.id === START_SOCKET_ID)) return null;
  const ifname = lab.appIfname;
  const lessonSockets = sockets.filter((socket) => socket.id.startsWith(lessonSocketId('')));
  const program = state.xdpPrograms.find((candidate) => candidate.ifname === ifname);
  return [
    // Sockets sharing a UMEM before the one that registered it, which libxdp keeps bound until its UMEM goes.
    ...lessonSockets.reverse().map((socket): CommandBody => ({ type: 'destroySocket', socketId: socket.id })),
    ...(program && program.kind !== 'by-queue'
      ? [{ type: 'setXdpProgram', ifname, program: 'by-queue', ports: [] } satisfies CommandBody]
      : []),
    { type: 'createSocket', socketId: START_SOCKET_ID, request: defaultSocketRequest(ifname) },
    ...(traffic?.paused ? [{ type: 'setTraffic', paused: false } satisfies CommandBody] : []),
  ];
}

/** The last run's verdict in one line, for the panel's heading. */
export function lessonVerdict(lesson: LessonSummary, outcome: LessonOutcome | null, running: string | null): string {
  if (running === lesson.name) return 'running…';
  if (outcome?.name !== lesson.name) return 'not run yet';
  if (outcome.error) return `failed: ${outcome.error}`;
  const ours =
    outcome.findings.length === 0
      ? 'as expected on this kernel'
      : `${outcome.findings.length} finding(s) on this kernel`;
  const theirs =
    outcome.upstreamFindings.length === 0 ? '' : `; ${outcome.upstreamFindings.length} differ from upstream`;
  return `${ours}${theirs}`;
}
