import { describe, expect, it } from 'vitest';
import { actionRates, type CounterSample } from './program-counters.ts';
import { diagnose, indicesReached, type SteeringFacts, starvedSockets } from './program-diagnosis.ts';
import { labProgram, labSocket } from './test-fixtures.ts';

const socket = (id: string, queueId: number, rxSize = 2048) => labSocket(id, queueId, { rxSize });
const program = labProgram;

const quiet = { redirected: 0, passed: 0, dropped: 0, noSocket: 0, wrongQueue: 0 };

describe('diagnose', () => {
  it('names the queue whose index is empty under by-queue, and the socket that sits elsewhere', () => {
    const facts: SteeringFacts = {
      program: program('by-queue', [{ index: 1, socketId: 'xsk0' }]),
      sockets: [socket('xsk0', 1)],
      trafficQueues: [0],
      trafficPorts: [4242],
    };
    expect(diagnose(facts, { ...quiet, passed: 5000, noSocket: 5000 })).toEqual([
      {
        action: 'noSocket',
        text: 'queue 0 has frames but XSKMAP index 0 is empty: passed to the kernel stack (xsk0 is bound to queue 1, and a socket only gets its own queue’s frames)',
      },
    ]);
  });

  it('says that drop-half drops half by design', () => {
    const facts: SteeringFacts = {
      program: program('drop-half', [{ index: 0, socketId: 'xsk0' }]),
      sockets: [socket('xsk0', 0)],
      trafficQueues: [0],
      trafficPorts: [4242],
    };
    expect(indicesReached(facts, 0)).toEqual([0]);
    expect(diagnose(facts, { ...quiet, redirected: 2500, dropped: 2500 })).toEqual([
      { action: 'dropped', text: 'drop-half drops every second frame it sees, by design (XDP_DROP_HALF)' },
    ]);
  });

  it('says nothing while frames reach their sockets', () => {
    const facts: SteeringFacts = {
      program: program('by-queue', [{ index: 0, socketId: 'xsk0' }]),
      sockets: [socket('xsk0', 0)],
      trafficQueues: [0],
      trafficPorts: [4242],
    };
    expect(diagnose(facts, { ...quiet, redirected: 5000 })).toEqual([]);
  });

  it('finds the hole in round-robin’s turn', () => {
    const facts: SteeringFacts = {
      program: program('round-robin', [
        { index: 0, socketId: 'xsk0' },
        { index: 2, socketId: 'xsk2' },
      ]),
      sockets: [socket('xsk0', 0), socket('xsk2', 0)],
      trafficQueues: [0],
      trafficPorts: null,
    };
    expect(diagnose(facts, { ...quiet, redirected: 2, dropped: 1, noSocket: 1 })).toEqual([
      {
        action: 'noSocket',
        text: 'round-robin takes turns over indices 0–2 and index 1 is empty: 1 of every 3 frames are dropped',
      },
    ]);
  });

  it('blames the socket of another queue that round-robin redirects to', () => {
    const facts: SteeringFacts = {
      program: program('round-robin', [
        { index: 0, socketId: 'xsk0' },
        { index: 1, socketId: 'xsk1' },
      ]),
      sockets: [socket('xsk0', 0), socket('xsk1', 1)],
      trafficQueues: [0],
      trafficPorts: null,
    };
    const found = diagnose(facts, { ...quiet, redirected: 10, wrongQueue: 10 });
    expect(found).toHaveLength(1);
    expect(found[0]?.text).toMatch(/^frames of queue 0 are redirected to xsk1 \(index 1\), which is bound to queue 1/);
  });

  it('explains steer-by-port’s empty routes and its unrouted ports', () => {
    const facts: SteeringFacts = {
      program: program('steer-by-port', [{ index: 0, socketId: 'xsk0' }], [{ port: 5000, index: 3 }]),
      sockets: [socket('xsk0', 0)],
      trafficQueues: [0],
      trafficPorts: [4242, 5000],
    };
    expect(diagnose(facts, { ...quiet, dropped: 5, noSocket: 5, passed: 5 }).map((d) => d.text)).toEqual([
      'UDP port 5000 is routed to XSKMAP index 3, which is empty: its frames are dropped',
    ]);
    expect(diagnose(facts, { ...quiet, passed: 5 }).map((d) => d.text)).toEqual([
      'UDP port 4242 has no route: passed to the kernel stack',
    ]);
    expect(indicesReached(facts, 0)).toEqual([3]);
  });
});

describe('starvedSockets', () => {
  it('lists receiving sockets on queues the traffic does not use', () => {
    const sockets = [socket('xsk0', 0), socket('xsk1', 1), socket('sender', 1, 0)];
    expect(starvedSockets(sockets, 'rs-app', [0])).toEqual([
      { socketId: 'xsk1', text: 'xsk1 is bound to queue 1, but frames arrive on queue 0: it receives nothing' },
    ]);
    expect(starvedSockets(sockets, 'rs-app', [])).toEqual([]);
  });
});

describe('actionRates', () => {
  const sample = (at: number, n: number): CounterSample => ({
    at,
    counters: { redirected: n, passed: 0, dropped: 0, noSocket: n / 2, wrongQueue: 0 },
  });

  it('is per second over the window', () => {
    const rates = actionRates([sample(0, 0), sample(1000, 1000), sample(2000, 3000), sample(4000, 5000)], 3000);
    expect(rates?.redirected).toBe(4000 / 3);
    expect(rates?.noSocket).toBe(2000 / 3);
  });

  it('starts again after a counter fell, as when the program was replaced', () => {
    const rates = actionRates([sample(0, 9000), sample(1000, 10), sample(2000, 510)], 3000);
    expect(rates?.redirected).toBe(500);
  });

  it('has no rate from a single sample', () => {
    expect(actionRates([sample(0, 5)], 3000)).toBeNull();
  });
});
