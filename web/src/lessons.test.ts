import { defaultSocketRequest, type TrafficInfo } from '@ringside/shared';
import { invalidTxLesson as lesson, invalidTxOutcome as outcome } from '@ringside/shared/lesson-fixture';
import { describe, expect, it } from 'vitest';
import { backToLabSocket, lessonVerdict } from './lessons.ts';
import { labProgram, labSocket, labState } from './test-fixtures.ts';

describe('a lesson on the page', () => {
  it("gives no verdict from another lesson's run", () => {
    expect(lessonVerdict(lesson, { ...outcome, name: 'SEND_RECEIVE' }, null)).toBe('not run yet');
  });

  it('says the verdict in one line', () => {
    expect(lessonVerdict(lesson, outcome, null)).toBe('1 finding(s) on this kernel; 1 differ from upstream');
    expect(lessonVerdict(lesson, outcome, 'STAT_TX_INVALID')).toBe('running…');
    expect(lessonVerdict(lesson, { ...outcome, error: 'refused' }, null)).toBe('failed: refused');
  });
});

describe('back to the lab’s own socket after a lesson', () => {
  const LAB = {
    appNamespace: 'ringside-1-0-app',
    peerNamespace: 'ringside-1-0-peer',
    appIfname: 'rs-app',
    peerIfname: 'rs-peer',
    queues: 2,
  };
  const source: TrafficInfo = {
    ifname: 'rs-peer',
    paused: true,
    ratePps: 10_000,
    frameSize: 128,
    queueIds: [0],
    destinationPorts: [9],
  };
  const lessons = { catalogue: [lesson], problems: [], running: null, last: outcome };
  /** The lab as XDP_SHARED_UMEM leaves it: two lesson sockets sharing a UMEM, and the source paused. */
  const afterLesson = labState({
    lab: LAB,
    traffic: source,
    lessons,
    sockets: [labSocket('lesson-a', 0), labSocket('lesson-b', 0)],
    xdpPrograms: [labProgram('drop-half', [])],
  });

  it('replaces the lesson’s sockets with xsk0 as the agent starts it, on its program by queue, and resumes the source', () => {
    expect(backToLabSocket(afterLesson)).toEqual([
      { type: 'destroySocket', socketId: 'lesson-b' },
      { type: 'destroySocket', socketId: 'lesson-a' },
      { type: 'setXdpProgram', ifname: 'rs-app', program: 'by-queue', ports: [] },
      { type: 'createSocket', socketId: 'xsk0', request: defaultSocketRequest('rs-app') },
      { type: 'setTraffic', paused: false },
    ]);
  });

  it('leaves alone what is already as the lab starts: the program by queue, a source sending, sockets not the lesson’s', () => {
    const state = {
      ...afterLesson,
      traffic: { ...source, paused: false },
      sockets: [labSocket('mine', 1), labSocket('lesson-rx', 0)],
      xdpPrograms: [labProgram('by-queue', [])],
    };
    expect(backToLabSocket(state)).toEqual([
      { type: 'destroySocket', socketId: 'lesson-rx' },
      { type: 'createSocket', socketId: 'xsk0', request: defaultSocketRequest('rs-app') },
    ]);
  });

  it('offers nothing before a lesson has run, once xsk0 is back, or without a lab', () => {
    expect(backToLabSocket({ ...afterLesson, lessons: { ...lessons, last: null } })).toBeNull();
    expect(backToLabSocket({ ...afterLesson, sockets: [labSocket('xsk0', 0)] })).toBeNull();
    expect(backToLabSocket({ ...afterLesson, lab: null })).toBeNull();
  });
});
