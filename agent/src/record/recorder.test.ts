import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecording, type HelloMessage, PROTOCOL_VERSION } from '@ringside/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { Recorder } from './recorder.ts';

const hello: HelloMessage = {
  type: 'hello',
  protocol: { ...PROTOCOL_VERSION },
  role: 'view',
  host: { kernel: '6.18.0', hostname: 'lab', interfaces: [] },
  mode: 'lab',
  capabilities: [],
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the agent recorder', () => {
  it('leaves a file that replays every entry in order, readable at any moment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringside-record-'));
    dirs.push(dir);
    const path = join(dir, 'run.ringside');
    const recorder = Recorder.open(path, 30);
    recorder.begin(hello);
    recorder.message('{"type":"lagging","fromSeq":3}');
    // Read while it is still open: nothing is buffered in the process.
    expect(decodeRecording(readFileSync(path)).entries).toHaveLength(1);
    recorder.snapshot(new Uint8Array([0xfb, 3, 0]));
    recorder.close();
    const recording = decodeRecording(readFileSync(path));
    expect(recording.header.hello).toEqual(hello);
    expect(recording.header.recordedBy).toBe('agent');
    expect(recording.entries.map((entry) => entry.kind)).toEqual(['message', 'snapshot']);
    expect(recording.truncatedTail).toBeNull();
  });

  it('stops on a write the disk refuses, says so once, and never throws to its caller', () => {
    // /dev/full takes the open and refuses every write with ENOSPC, as a full disk does.
    const recorder = Recorder.open('/dev/full');
    const told: string[] = [];
    recorder.onFailure((message) => told.push(message));
    recorder.begin(hello);
    recorder.message('{}');
    recorder.snapshot(new Uint8Array(8));
    expect(recorder.recording).toBe(false);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/recording to \/dev\/full stopped: a write failed \(ENOSPC\).*runs on without recording/);
  });

  it('refuses at once a path that cannot be opened', () => {
    expect(() => Recorder.open('/nonexistent-dir/run.ringside')).toThrow(/ENOENT/);
  });
});
