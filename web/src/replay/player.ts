import {
  type ClientMessage,
  decodeRecording,
  isControlCommand,
  RecordingError,
  type ServerMessage,
  type SnapshotMessage,
} from '@ringside/shared';
import { create } from 'zustand';
import { receiveOwners } from '../owners.ts';
import { useRingside } from '../store.ts';
import { useViolations } from '../violations.ts';
import { ReplayTimeline } from './timeline.ts';

export const SPEEDS = [0.25, 0.5, 1, 2, 4] as const;

interface ReplayState {
  timeline: ReplayTimeline | null;
  fileName: string | null;
  /** Why the last file chosen cannot be replayed, in the words of the RecordingError. */
  error: string | null;
  /** ms from the recording's start. */
  at: number;
  /** The snapshot shown: the last that had arrived by `at`, -1 before the first. */
  index: number;
  playing: boolean;
  speed: number;
}

/** The replay's own state; the views read the page's usual store, which the player feeds. */
export const useReplay = create<ReplayState>()(() => ({
  timeline: null,
  fileName: null,
  error: null,
  at: 0,
  index: -1,
  playing: false,
  speed: 1,
}));

/** What the views had before the agent's first message: the store is put back here before a backward seek. */
const EMPTY_PAGE = {
  hello: null,
  agentState: null,
  snapshot: null,
  lagging: null,
  detail: null,
  frames: {},
  events: [],
  errors: [],
  outcomes: {},
};

/** Ms of recording delivered to the store: messages up to here are in it. */
let delivered = -1;
/** Where the player is, ms from the start, and the snapshot shown: `useReplay` gets them at most PUBLISH_EVERY_MS while playing. */
let playhead = 0;
let shown = -1;
let animation: number | null = null;
/** The timeline's clock and counter redraw ten times a second while playing, not every frame: the views are what move. */
const PUBLISH_EVERY_MS = 100;

function publish(): void {
  useReplay.setState({ at: playhead, index: shown });
}

/** Reads a file chosen by the user; a file that is not a recording it can read leaves `error` saying why. */
export async function openRecording(file: File): Promise<void> {
  pause();
  try {
    const timeline = ReplayTimeline.load(decodeRecording(new Uint8Array(await file.arrayBuffer())));
    useReplay.setState({ timeline, fileName: file.name, error: null });
    useRingside.getState().setSend(answerFromRecording);
    useRingside.getState().replay({ fileName: file.name, recordedAt: timeline.header.startedAt });
    rewind();
    seek(0);
  } catch (error) {
    if (!(error instanceof RecordingError)) throw error;
    useReplay.setState({ error: `${file.name}: ${error.message}` });
  }
}

/** Shows the page as it was at `at` ms. */
export function seek(at: number): void {
  moveTo(at);
  publish();
}

/** Messages delivered in order up to `at`, then the snapshot that had arrived by then. */
function moveTo(at: number): void {
  const { timeline } = useReplay.getState();
  if (!timeline) return;
  const target = Math.min(Math.max(at, 0), timeline.duration);
  if (target < delivered) rewind();
  const store = useRingside.getState();
  for (const { message } of timeline.messagesBetween(delivered, target)) store.receive(asWatched(message));
  delivered = target;
  playhead = target;
  const index = timeline.snapshotIndexAt(target);
  if (index < 0 || (index === shown && useRingside.getState().snapshot !== null)) return;
  const { snapshot, owners } = timeline.frame(index);
  store.receive(snapshot);
  receiveOwners(owners);
  shown = index;
}

/** One snapshot on (or back), landing on its arrival time. */
export function step(by: 1 | -1): void {
  pause();
  const { timeline } = useReplay.getState();
  if (!timeline || timeline.snapshotCount === 0) return;
  const next = Math.min(Math.max(shown + by, 0), timeline.snapshotCount - 1);
  seek(timeline.snapshotTimes[next] as number);
}

export function play(): void {
  const { timeline } = useReplay.getState();
  if (!timeline || animation !== null) return;
  // Played to the end, play starts again from the start.
  if (playhead >= timeline.duration) seek(0);
  useReplay.setState({ playing: true });
  let last = performance.now();
  let publishedAt = last;
  const advance = (now: number) => {
    const { speed, timeline: playing } = useReplay.getState();
    if (!playing) return;
    const next = playhead + (now - last) * speed;
    last = now;
    moveTo(next);
    if (now - publishedAt >= PUBLISH_EVERY_MS) {
      publish();
      publishedAt = now;
    }
    if (next >= playing.duration) {
      pause();
      return;
    }
    animation = requestAnimationFrame(advance);
  };
  animation = requestAnimationFrame(advance);
}

export function pause(): void {
  if (animation !== null) cancelAnimationFrame(animation);
  animation = null;
  useReplay.setState({ playing: false });
  publish();
}

export function setSpeed(speed: number): void {
  useReplay.setState({ speed });
}

/**
 * A snapshot of no sockets from after any recorded one: the page's
 * histories take it as every socket gone (history.ts and program-counters.ts
 * drop their series) and the next real snapshot as a clock gone back
 * (diagnoses.ts starts its window again), so charts start afresh rather than
 * draw time running backwards.
 */
const END_OF_HISTORY: SnapshotMessage = {
  type: 'snapshot',
  seq: 0,
  sampledAt: Number.MAX_SAFE_INTEGER,
  sockets: [],
  traffic: null,
  programs: [],
};

/** Back to before the first message: the views and their histories empty, the recorded hello given again. */
function rewind(): void {
  const timeline = useReplay.getState().timeline;
  useRingside.getState().receive(END_OF_HISTORY);
  useViolations.setState({ seen: [] });
  useRingside.setState(EMPTY_PAGE);
  delivered = -1;
  shown = -1;
  if (timeline) useRingside.getState().receive(asWatched(timeline.header.hello));
}

/** A replay changes nothing: every page of a recording looks as a view page does, whoever recorded it. */
function asWatched(message: ServerMessage): ServerMessage {
  return message.type === 'hello' ? { ...message, role: 'view' } : message;
}

/**
 * The page's `send` while replaying: what an agent would answer a view page,
 * from the recording (the bytes of a frame a page looked at while it was
 * recorded); anything that would change a socket is refused. Answered on a
 * later turn, as an agent's answer would be, after the store has noted the
 * request.
 */
function answerFromRecording(message: ClientMessage): boolean {
  const answer = recordedAnswer(message);
  if (answer) queueMicrotask(() => useRingside.getState().receive(answer));
  return true;
}

function recordedAnswer(message: ClientMessage): ServerMessage | null {
  if (message.type === 'hello') return null;
  const { requestId } = message;
  const refuse = (code: 'forbidden' | 'not-found', text: string): ServerMessage => ({
    type: 'error',
    requestId,
    code,
    message: text,
  });
  if (isControlCommand(message)) return refuse('forbidden', 'This is a recording: nothing can be changed.');
  switch (message.type) {
    case 'readFrame': {
      const { timeline, at } = useReplay.getState();
      const recorded = timeline?.frameBytesAt(message.socketId, message.frame, at);
      return recorded
        ? { ...recorded, requestId }
        : refuse(
            'not-found',
            `This recording holds no bytes of frame ${message.frame} of ${message.socketId} by this time: it has only the frames a page looked at while it was recorded.`,
          );
    }
    case 'inspectSocket':
    case 'refreshKernelView':
      return refuse(
        'not-found',
        `This recording cannot answer ${message.type}: only what was sent while recording replays.`,
      );
    default:
      return { type: 'ack', requestId };
  }
}
