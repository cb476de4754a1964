import type {
  ClientMessage,
  ErrorCode,
  EventMessage,
  ServerMessage,
  SnapshotMessage,
  SocketSample,
  StateMessage,
} from '@ringside/shared';
import { create } from 'zustand';
import type { ConnectionStatus } from './connection.ts';

export type HelloMessage = Extract<ServerMessage, { type: 'hello' }>;
export type Send = (message: ClientMessage) => boolean;
export type TrafficChange = { paused?: boolean; ratePps?: number };

/** Numbered locally so the log has stable keys. */
export type LoggedEvent = EventMessage & { id: number };

/** An error to show the user: one from the agent, or a command we could not send. */
export interface Notice {
  id: number;
  code: ErrorCode | 'not-connected';
  message: string;
}

export interface State {
  status: ConnectionStatus;
  retryInMs: number | null;
  hello: HelloMessage | null;
  /** The agent's latest `state` message, with acknowledged commands applied. */
  agentState: StateMessage | null;
  snapshot: SnapshotMessage | null;
  /** Newest first. */
  events: LoggedEvent[];
  errors: Notice[];
  send: Send;
}

export interface Actions {
  setSend(send: Send): void;
  setStatus(status: ConnectionStatus, retryInMs: number | null): void;
  receive(message: ServerMessage): void;
  setTraffic(change: TrafficChange): void;
  setSnapshotRate(perSecond: number): void;
  resync(): void;
  dismissError(id: number): void;
}

const MAX_EVENTS = 8;
const MAX_ERRORS = 5;

type Patch = (state: StateMessage) => StateMessage;

export const useRingside = create<State & Actions>()((set, get) => {
  // An ack is when we learn a command took effect. Applying its change then keeps
  // the controls truthful whether or not the agent also resends `state`.
  const pending = new Map<string, Patch>();
  let requestCount = 0;
  let noticeCount = 0;
  let eventCount = 0;

  const notify = (code: Notice['code'], message: string) =>
    set((s) => ({ errors: [...s.errors, { id: ++noticeCount, code, message }].slice(-MAX_ERRORS) }));

  const command = (message: Exclude<ClientMessage, { type: 'hello' }>, patch?: Patch) => {
    if (!get().send(message)) {
      notify('not-connected', `Not connected to the agent; ${message.type} was not sent.`);
      return;
    }
    if (patch) pending.set(message.requestId, patch);
  };

  const requestId = () => `r${++requestCount}`;

  return {
    status: 'connecting',
    retryInMs: null,
    hello: null,
    agentState: null,
    snapshot: null,
    events: [],
    errors: [],
    send: () => false,

    setSend: (send) => set({ send }),

    setStatus: (status, retryInMs) => {
      // Acks for commands sent on a lost socket will never arrive.
      if (status === 'disconnected') pending.clear();
      set({ status, retryInMs });
    },

    receive: (message) => {
      switch (message.type) {
        case 'hello':
          set({ hello: message });
          return;
        case 'state':
          set({ agentState: message });
          return;
        case 'snapshot':
          set({ snapshot: message });
          return;
        case 'event':
          set((s) => ({ events: [{ ...message, id: ++eventCount }, ...s.events].slice(0, MAX_EVENTS) }));
          return;
        case 'ack': {
          const patch = pending.get(message.requestId);
          pending.delete(message.requestId);
          const current = get().agentState;
          if (patch && current) set({ agentState: patch(current) });
          return;
        }
        case 'error':
          if (message.requestId !== null) pending.delete(message.requestId);
          notify(message.code, message.message);
          return;
      }
    },

    setTraffic: (change) =>
      command({ type: 'setTraffic', requestId: requestId(), ...change }, (s) =>
        s.traffic ? { ...s, traffic: { ...s.traffic, ...change } } : s,
      ),

    setSnapshotRate: (perSecond) =>
      command({ type: 'setSnapshotRate', requestId: requestId(), perSecond }, (s) => ({
        ...s,
        snapshotsPerSecond: perSecond,
      })),

    resync: () => command({ type: 'resync', requestId: requestId() }),

    dismissError: (id) => set((s) => ({ errors: s.errors.filter((notice) => notice.id !== id) })),
  };
});

/** The latest sample for one socket, if the last snapshot had it. */
export function selectSample(state: State, socketId: string): SocketSample | undefined {
  return state.snapshot?.sockets.find((sample) => sample.socketId === socketId);
}
