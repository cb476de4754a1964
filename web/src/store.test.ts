import type { DiscoveredXsk, EventMessage, RingState, SocketDetailMessage } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { selectAttached, selectDetail, selectObservedIds, selectSocket, selectUmemOf, useRingside } from './store.ts';
import { attachedSocket, LAB_UMEM, labSocket, labState } from './test-fixtures.ts';

const state = labState({
  umems: [
    { id: 'other-umem', config: LAB_UMEM, socketIds: ['lone'], pairs: [] },
    { id: 'xsk0-umem', config: LAB_UMEM, socketIds: ['xsk0', 'xsk1'], pairs: [] },
  ],
  sockets: [labSocket('xsk0', 0), labSocket('xsk1', 1), { ...labSocket('lone', 0), umemId: 'other-umem' }],
  attached: [attachedSocket(4242, 7, 'xdpsock')],
});

describe('selectors over the agent’s state', () => {
  useRingside.getState().receive(state);
  const now = useRingside.getState();

  it('find a socket by its id, and nothing for an id the agent does not have', () => {
    expect(selectSocket(now, 'xsk1')?.config.queueId).toBe(1);
    expect(selectSocket(now, 'gone')).toBeUndefined();
  });

  it('list every observed socket, own then attached, and tell an attached one apart', () => {
    expect(selectObservedIds(now)).toEqual(['xsk0', 'xsk1', 'lone', 'pid4242.fd7']);
    expect(selectAttached(now, 'pid4242.fd7')?.origin).toMatchObject({ pid: 4242, command: 'xdpsock' });
    expect(selectSocket(now, 'pid4242.fd7')).toBeUndefined();
    expect(selectAttached(now, 'xsk0')).toBeUndefined();
  });

  it('take a new list of the host’s sockets without a new state', () => {
    const attached = attachedSocket(9, 4, 'xdpsock');
    const listed: DiscoveredXsk = {
      id: attached.discoveredId,
      pid: 9,
      command: 'xdpsock',
      cmdline: ['xdpsock'],
      fd: 4,
      inode: 77,
      netns: attached.origin.netns,
      kernel: attached.kernel,
      umem: attached.umem,
      own: false,
      attachedAs: null,
    };
    useRingside.getState().receive({ type: 'discovered', xsks: [listed] });
    const after = useRingside.getState().agentState;
    expect(after?.discovered).toEqual([listed]);
    expect(after?.sockets).toEqual(state.sockets);
  });

  it('find the UMEM a socket’s frames live in, shared or its own', () => {
    expect(selectUmemOf(now, 'xsk1')?.id).toBe('xsk0-umem');
    expect(selectUmemOf(now, 'lone')?.id).toBe('other-umem');
    expect(selectUmemOf(now, 'gone')).toBeNull();
  });
});

describe('the streamed detail', () => {
  const ring: RingState = {
    size: 8,
    producer: 0,
    consumer: 0,
    cachedProducer: 0,
    cachedConsumer: 0,
    needWakeup: false,
  };
  const none = { addresses: [], lengths: [], options: [] };
  const detail: SocketDetailMessage = {
    type: 'socketDetail',
    requestId: 'subscription',
    socketId: 'xsk1',
    sampledAt: 0,
    entries: { fill: none, rx: none, tx: null, completion: none },
    owners: '',
    rings: { fill: ring, rx: ring, tx: null, completion: ring },
    consistent: true,
  };

  it('is the socket’s own only: a stream of another socket is nothing to it', () => {
    useRingside.getState().watchDetail('xsk1');
    useRingside.getState().receive(detail);
    const now = useRingside.getState();
    expect(selectDetail(now, 'xsk1')).toBe(detail);
    expect(selectDetail(now, 'xsk0')).toBeNull();
  });
});

describe('the outcome of repeated requests from one place', () => {
  it('stays pending until every request of that origin is answered, not only the first', () => {
    const sent: { requestId: string }[] = [];
    useRingside.getState().setSend((message) => {
      sent.push(message as { requestId: string });
      return true;
    });
    const { readFrame, receive } = useRingside.getState();
    readFrame('xsk0', 7);
    readFrame('xsk0', 7);
    const reply = (requestId: string) =>
      receive({
        type: 'frameBytes',
        requestId,
        socketId: 'xsk0',
        frame: 7,
        address: 7 * 2048,
        owner: 'free',
        length: null,
        offset: null,
        bytes: '',
      });
    const outcome = () => useRingside.getState().outcomes['inspector:xsk0']?.state;
    reply(sent[0]?.requestId as string);
    expect(outcome()).toBe('pending');
    reply(sent[1]?.requestId as string);
    expect(outcome()).toBe('done');
  });
});

describe('the outcome of several commands sent together from one place', () => {
  it('stays refused when one is refused, whatever the answers after it', () => {
    const sent: { requestId: string }[] = [];
    useRingside.getState().setSend((message) => {
      sent.push(message as { requestId: string });
      return true;
    });
    const { command, receive } = useRingside.getState();
    command({ type: 'destroySocket', socketId: 'lesson-rx' }, 'lessons:back');
    command({ type: 'setTraffic', paused: false }, 'lessons:back');
    const outcome = () => useRingside.getState().outcomes['lessons:back'];
    receive({ type: 'error', requestId: sent[0]?.requestId as string, code: 'not-found', message: 'no such socket' });
    receive({ type: 'ack', requestId: sent[1]?.requestId as string });
    expect(outcome()).toMatchObject({ state: 'refused', message: 'no such socket' });
    // Sent again, it starts afresh.
    command({ type: 'setTraffic', paused: false }, 'lessons:back');
    expect(outcome()?.state).toBe('pending');
    receive({ type: 'ack', requestId: sent[2]?.requestId as string });
    expect(outcome()?.state).toBe('done');
  });
});

describe('the event log', () => {
  const event = (run: string, seq: number, message: string): EventMessage => ({
    type: 'event',
    id: { run, seq },
    at: seq,
    kind: 'fault',
    message,
  });
  const shown = () => useRingside.getState().events.map((logged) => logged.message);

  it('shows the start-up events a reconnection sends again once, and a restarted agent’s as new', () => {
    useRingside.setState({ events: [] });
    const startup = [event('run-a', 1, 'token file'), event('run-a', 2, 'lesson refused')];
    for (const message of startup) useRingside.getState().receive(message);
    useRingside.getState().receive(event('run-a', 3, 'socket created'));
    // The same agent, after a reconnection: its start-up events again, then a new one.
    for (const message of startup) useRingside.getState().receive(message);
    useRingside.getState().receive(event('run-a', 4, 'traffic paused'));
    expect(shown()).toEqual(['traffic paused', 'socket created', 'lesson refused', 'token file']);
    // Another run numbers from 1 again: all of its events are new.
    useRingside.getState().receive(event('run-b', 1, 'token file'));
    expect(shown()[0]).toBe('token file');
    expect(shown()).toHaveLength(5);
  });

  it('shows every event of an agent that names none', () => {
    useRingside.setState({ events: [] });
    const unnamed: EventMessage = { type: 'event', at: 1, kind: 'fault', message: 'old agent' };
    useRingside.getState().receive(unnamed);
    useRingside.getState().receive(unnamed);
    expect(shown()).toEqual(['old agent', 'old agent']);
  });
});
