import type {
  AttachedSocketInfo,
  ClientMessage,
  ClientRequest,
  ErrorCode,
  ErrorMessage,
  EventMessage,
  FrameBytesMessage,
  RingKind,
  RingState,
  ServerMessage,
  SnapshotMessage,
  SocketDetailMessage,
  SocketInfo,
  SocketRequest,
  SocketSample,
  Stage,
  StateMessage,
  UmemInfo,
} from '@ringside/shared';
import { create } from 'zustand';
import type { ConnectionStatus } from './connection.ts';
import { recordDiagnoses } from './diagnoses.ts';
import { recordSnapshot } from './history.ts';
import { recordPrograms } from './program-counters.ts';
import { recordViolations } from './violations.ts';

export type HelloMessage = Extract<ServerMessage, { type: 'hello' }>;
export type Send = (message: ClientMessage) => boolean;
export type TrafficChange = { paused?: boolean; ratePps?: number; queueIds?: number[]; destinationPorts?: number[] };

/** Numbered locally so the log has stable keys (an older agent's events carry no id). */
export type LoggedEvent = EventMessage & { key: number };

/** An error to show the user: one from the agent, or a command we could not send. */
export interface Notice {
  id: number;
  /** `read-only`: the page itself refused, a key that would change a socket Ringside only watches. */
  code: ErrorCode | 'not-connected' | 'read-only';
  message: string;
}

/**
 * The agent's answer to one command, kept under the name of the control that
 * sent it (its "origin", e.g. `form:xsk0`) so the page shows it there.
 */
export interface RequestOutcome {
  state: 'pending' | 'done' | 'refused';
  code?: ErrorCode | 'not-connected';
  message?: string;
  problems?: NonNullable<ErrorMessage['problems']>;
}

/** What the page is a view of: an agent over the connection, or a recording (`replaying`) with none. */
export type PageStatus = ConnectionStatus | 'replaying';

/** The recording a replay page shows: which file, and when its recorder started. */
export interface ReplayedRecording {
  fileName: string;
  /** Wall-clock ms of the recording's start. */
  recordedAt: number;
}

export interface State {
  status: PageStatus;
  retryInMs: number | null;
  /** Set while replaying, so the header names the recording rather than a connection. */
  replayOf: ReplayedRecording | null;
  hello: HelloMessage | null;
  /** The agent's latest `state` message, with acknowledged commands applied. */
  agentState: StateMessage | null;
  snapshot: SnapshotMessage | null;
  /** Set by the agent's `lagging` message: snapshots from `fromSeq` on were skipped for us. */
  lagging: { fromSeq: number } | null;
  /** The socket whose descriptors we asked the agent to stream, and the latest it sent. */
  detailOf: string | null;
  detail: SocketDetailMessage | null;
  /** The latest bytes the agent sent of each socket's inspected frame. */
  frames: Record<string, FrameBytesMessage>;
  /** Newest first. */
  events: LoggedEvent[];
  errors: Notice[];
  outcomes: Record<string, RequestOutcome>;
  send: Send;
}

/** Every message that carries a request id, from the command table: its answer or error comes back under that id. */
type Command = ClientRequest;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type CommandBody = DistributiveOmit<Command, 'requestId'>;

export interface Actions {
  setSend(send: Send): void;
  setStatus(status: ConnectionStatus, retryInMs: number | null): void;
  /** The page shows a recording from now on: nothing is connected, and the player answers what is sent. */
  replay(recording: ReplayedRecording): void;
  receive(message: ServerMessage): void;
  /** Sends a command; its ack or error is kept under `origin`. */
  command(body: CommandBody, origin: string): void;
  setTraffic(change: TrafficChange): void;
  /** Asks for one frame's bytes (a view client may too); the answer lands in `frames`. */
  readFrame(socketId: string, frame: number): void;
  setSnapshotRate(perSecond: number): void;
  resync(): void;
  createSocket(request: SocketRequest, socketId: string | null, origin: string): void;
  reconfigureSocket(socketId: string, request: SocketRequest, origin: string): void;
  destroySocket(socketId: string, origin: string): void;
  /** Watches another process's XSK read-only; the answer is kept under `attach:PID-FD`. */
  attach(pid: number, fd: number): void;
  detach(socketId: string): void;
  setStages(socketId: string, stages: Stage[], paused: boolean): void;
  step(socketId: string): void;
  /** Streams one socket's descriptors (DETAIL_PER_SECOND at most); null stops it. */
  watchDetail(socketId: string | null): void;
  clearOutcome(origin: string): void;
  /** Shows a notice the page raised itself, with nothing sent to the agent. */
  notify(code: Notice['code'], message: string): void;
  dismissError(id: number): void;
}

const MAX_EVENTS = 8;
const MAX_ERRORS = 5;

export const useRingside = create<State & Actions>()((set, get) => {
  const origins = new Map<string, string>();
  let requestCount = 0;
  let noticeCount = 0;
  let eventCount = 0;

  const notify = (code: Notice['code'], message: string) =>
    set((s) => ({ errors: [...s.errors, { id: ++noticeCount, code, message }].slice(-MAX_ERRORS) }));

  const setOutcome = (origin: string, outcome: RequestOutcome) =>
    set((s) => ({ outcomes: { ...s.outcomes, [origin]: outcome } }));

  const requestId = () => `r${++requestCount}`;

  // An ack is when a command that the agent does not announce in a new state took effect.
  const patches = new Map<string, (state: StateMessage) => StateMessage>();

  const command = (body: CommandBody, origin: string, patch?: (state: StateMessage) => StateMessage) => {
    const message = { ...body, requestId: requestId() } as Command;
    if (!get().send(message)) {
      const text = `Not connected to the agent; ${message.type} was not sent.`;
      setOutcome(origin, { state: 'refused', code: 'not-connected', message: text });
      notify('not-connected', text);
      return;
    }
    origins.set(message.requestId, origin);
    if (patch) patches.set(message.requestId, patch);
    setOutcome(origin, { state: 'pending' });
  };

  /**
   * A request answered well. Its origin is done only once no other request of that origin waits: the
   * inspector's once-a-second reads share one origin, and an earlier answer must not hide a later read.
   * Nor may a later answer hide an earlier refusal of requests sent together (the lessons panel's way back
   * is several commands): a refused origin stays refused until it sends again.
   */
  const settle = (requestId: string) => {
    const origin = origins.get(requestId);
    origins.delete(requestId);
    if (!origin || [...origins.values()].includes(origin)) return;
    if (get().outcomes[origin]?.state !== 'refused') setOutcome(origin, { state: 'done' });
  };

  const subscribe = (detailOf: string | null) => get().send({ type: 'subscribe', requestId: requestId(), detailOf });

  return {
    status: 'connecting',
    retryInMs: null,
    replayOf: null,
    hello: null,
    agentState: null,
    snapshot: null,
    lagging: null,
    detailOf: null,
    detail: null,
    frames: {},
    events: [],
    errors: [],
    outcomes: {},
    send: () => false,

    setSend: (send) => set({ send }),

    setStatus: (status, retryInMs) => {
      if (status === 'disconnected') {
        // Answers to commands sent on a lost socket will never arrive.
        for (const origin of origins.values()) {
          if (get().outcomes[origin]?.state === 'pending') {
            setOutcome(origin, { state: 'refused', code: 'not-connected', message: 'the connection was lost' });
          }
        }
        origins.clear();
        patches.clear();
      }
      set({ status, retryInMs, ...(status === 'connected' ? {} : { lagging: null }) });
    },

    replay: (recording) => set({ status: 'replaying', retryInMs: null, replayOf: recording, lagging: null }),

    receive: (message) => {
      switch (message.type) {
        case 'hello':
          set({ hello: message });
          // A new connection starts with no subscription: ask again for what the page shows.
          if (get().detailOf !== null) subscribe(get().detailOf);
          return;
        case 'state':
          set({ agentState: message });
          return;
        case 'discovered': {
          const agentState = get().agentState;
          if (agentState) set({ agentState: { ...agentState, discovered: message.xsks } });
          return;
        }
        case 'snapshot': {
          recordSnapshot(message);
          recordPrograms(message);
          recordViolations(message);
          recordDiagnoses(message, get().agentState);
          const lagging = get().lagging;
          set({ snapshot: message, ...(lagging && message.seq > lagging.fromSeq ? { lagging: null } : {}) });
          return;
        }
        case 'lagging':
          set({ lagging: { fromSeq: message.fromSeq } });
          return;
        case 'socketDetail':
          if (message.socketId === get().detailOf) set({ detail: message });
          return;
        case 'frameBytes': {
          settle(message.requestId);
          set((s) => ({ frames: { ...s.frames, [message.socketId]: message } }));
          return;
        }
        case 'event':
          if (isRepeat(message, get().events[0])) return;
          set((s) => ({ events: [{ ...message, key: ++eventCount }, ...s.events].slice(0, MAX_EVENTS) }));
          return;
        case 'ack': {
          const patch = patches.get(message.requestId);
          patches.delete(message.requestId);
          const current = get().agentState;
          if (patch && current) set({ agentState: patch(current) });
          settle(message.requestId);
          return;
        }
        case 'error': {
          const origin = message.requestId === null ? undefined : origins.get(message.requestId);
          if (message.requestId !== null) {
            origins.delete(message.requestId);
            patches.delete(message.requestId);
          }
          if (origin) {
            setOutcome(origin, {
              state: 'refused',
              code: message.code,
              message: message.message,
              ...(message.problems ? { problems: message.problems } : {}),
            });
            // Per-field problems show beside their fields; anything else also goes to the notices.
            if (message.problems?.length) return;
          }
          if (message.requestId === 'subscription') set({ detail: null });
          notify(message.code, message.message);
          return;
        }
      }
    },

    command: (body, origin) => command(body, origin),

    setTraffic: (change) => command({ type: 'setTraffic', ...change }, 'traffic'),

    readFrame: (socketId, frame) => command({ type: 'readFrame', socketId, frame }, `inspector:${socketId}`),

    // The rate is this client's own: the agent sends no new state for it.
    setSnapshotRate: (perSecond) =>
      command({ type: 'setSnapshotRate', perSecond }, 'snapshot-rate', (s) => ({
        ...s,
        snapshotsPerSecond: perSecond,
      })),

    resync: () => command({ type: 'resync' }, 'resync'),

    createSocket: (request, socketId, origin) =>
      command({ type: 'createSocket', request, ...(socketId ? { socketId } : {}) }, origin),

    reconfigureSocket: (socketId, request, origin) => command({ type: 'reconfigureSocket', socketId, request }, origin),

    destroySocket: (socketId, origin) => command({ type: 'destroySocket', socketId }, origin),

    attach: (pid, fd) => command({ type: 'attach', pid, fd }, `attach:${pid}-${fd}`),

    detach: (socketId) => command({ type: 'detach', socketId }, `detach:${socketId}`),

    setStages: (socketId, stages, paused) =>
      command({ type: paused ? 'pauseStages' : 'resumeStages', socketId, stages }, `stages:${socketId}`),

    step: (socketId) => command({ type: 'step', socketId }, `stages:${socketId}`),

    watchDetail: (socketId) => {
      if (get().detailOf === socketId) return;
      set({ detailOf: socketId, detail: null });
      subscribe(socketId);
    },

    clearOutcome: (origin) =>
      set((s) => {
        const { [origin]: _gone, ...rest } = s.outcomes;
        return { outcomes: rest };
      }),

    notify,
    dismissError: (id) => set((s) => ({ errors: s.errors.filter((notice) => notice.id !== id) })),
  };
});

/**
 * An event the page has shown already: the agent sends its start-up events
 * to every connection, so a page that reconnects to the same run gets them
 * again. An agent numbers its events in the order it raises them, so any
 * of its run not after the newest shown is one of those.
 */
function isRepeat(event: EventMessage, newest: EventMessage | undefined): boolean {
  return event.id !== undefined && event.id.run === newest?.id?.run && event.id.seq <= newest.id.seq;
}

/** What the agent says of one socket: its configuration, workload and UMEM. */
export function selectSocket(state: State, socketId: string): SocketInfo | undefined {
  return state.agentState?.sockets.find((socket) => socket.id === socketId);
}

/** Another process's socket, if `socketId` is one Ringside is attached to. */
export function selectAttached(state: State, socketId: string): AttachedSocketInfo | undefined {
  return state.agentState?.attached.find((socket) => socket.id === socketId);
}

/** Every observed socket's id: Ringside's own first, then the attached ones; views draw each the same way. */
export function selectObservedIds(state: State): string[] {
  const agent = state.agentState;
  return agent ? [...agent.sockets.map((socket) => socket.id), ...agent.attached.map((socket) => socket.id)] : [];
}

/** The UMEM a socket's frames live in (its own, or the one it shares). */
export function selectUmemOf(state: State, socketId: string): UmemInfo | null {
  const umemId = selectSocket(state, socketId)?.umemId;
  return state.agentState?.umems.find((umem) => umem.id === umemId) ?? null;
}

/** The latest sample for one socket, if the last snapshot had it. */
export function selectSample(state: State, socketId: string): SocketSample | undefined {
  return state.snapshot?.sockets.find((sample) => sample.socketId === socketId);
}

/** The ring as the latest snapshot has it; the same object until a new snapshot arrives. */
export function selectRing(state: State, socketId: string, kind: RingKind): RingState | null {
  return selectSample(state, socketId)?.rings[kind] ?? null;
}

/** The socket's descriptors as last streamed, if the stream is of this socket. */
export function selectDetail(state: State, socketId: string): SocketDetailMessage | null {
  return state.detail?.socketId === socketId ? state.detail : null;
}

/** Requests are answered: by the agent over a connection that is up, or by the player from a recording. */
export function selectAnswered(state: State): boolean {
  return state.status === 'connected' || state.status === 'replaying';
}

/** Commands are offered only to a control connection that is up. */
export function selectCanControl(state: State): boolean {
  return state.hello?.role === 'control' && state.status === 'connected';
}
