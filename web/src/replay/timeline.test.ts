import { RecordingError } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { recordedRun } from './test-recording.ts';
import { KEYFRAME_EVERY_MS, ReplayTimeline } from './timeline.ts';

describe('a replay timeline', () => {
  const { recording, expected } = recordedRun(200);
  const timeline = ReplayTimeline.load(recording);

  it('gives every snapshot as it arrived, in any order of asking, backwards included', () => {
    const order = [199, 0, 150, 149, 151, 31, 30, 29, 100, 5, 198, 199];
    for (const index of order) {
      const frame = timeline.frame(index);
      expect(frame.snapshot.seq).toBe(index);
      expect(frame.snapshot.sockets[0]?.rings.rx?.producer).toBe(index * 2);
      expect(frame.owners).toEqual((expected[index] as { owners: Map<string, Uint8Array> }).owners);
    }
  });

  it('finds the snapshot shown at a time: the last that had arrived by then', () => {
    expect(timeline.snapshotIndexAt(-1)).toBe(-1);
    expect(timeline.snapshotIndexAt(0)).toBe(0);
    expect(timeline.snapshotIndexAt(65)).toBe(1);
    expect(timeline.snapshotIndexAt(66)).toBe(2);
    expect(timeline.snapshotIndexAt(1e9)).toBe(199);
    expect(timeline.duration).toBe(199 * 33);
  });

  it('gives the messages that arrived within a span, its end included', () => {
    expect(timeline.messagesBetween(-1, 0).map((timed) => timed.message.type)).toEqual(['lagging']);
    expect(timeline.messagesBetween(0, 1e9)).toEqual([]);
  });

  it('keeps messages of a type it does not know out, counted, as a live page ignores them', () => {
    expect(timeline.messages.map((timed) => timed.message.type)).toEqual(['lagging']);
    expect(timeline.skippedMessages).toBe(1);
  });

  it('rebuilds a snapshot from the keyframe a second or less before it, never from the start', () => {
    const own = recordedRun(200);
    const fresh = ReplayTimeline.load(own.recording);
    // Spoil snapshot 100 after load: only a rebuild that decodes it again can notice.
    const spoiled = own.recording.entries.filter((entry) => entry.kind === 'snapshot')[100];
    if (spoiled?.kind !== 'snapshot') throw new Error('no snapshot 100');
    spoiled.bytes.fill(0);
    const keyframeGap = Math.ceil(KEYFRAME_EVERY_MS / 33);
    expect(fresh.frame(100 + keyframeGap + 1).snapshot.seq).toBe(100 + keyframeGap + 1);
    expect(fresh.frame(199).snapshot.seq).toBe(199);
    expect(fresh.frame(99).snapshot.seq).toBe(99);
    expect(() => fresh.frame(101)).toThrow(/snapshot 101 of 200 cannot be read/);
  });

  it('refuses a recording whose snapshots do not decode, naming which', () => {
    const broken = {
      ...recording,
      entries: recording.entries.map((entry, i) =>
        i === 5 && entry.kind === 'snapshot' ? { ...entry, bytes: entry.bytes.subarray(0, 10) } : entry,
      ),
    };
    expect(() => ReplayTimeline.load(broken)).toThrow(RecordingError);
    expect(() => ReplayTimeline.load(broken)).toThrow(/snapshot 5 of 200 cannot be read/);
  });
});
