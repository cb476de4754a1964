import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalogue, parseScenarioFile, SCENARIO_DIR } from './catalogue.ts';

const sendReceive = readFileSync(join(SCENARIO_DIR, 'SEND_RECEIVE.json'), 'utf8');

describe('the lessons under agent/scenarios', () => {
  it('every file validates, one lesson per file, named after it', () => {
    const { scenarios, problems } = loadCatalogue();
    expect(problems).toEqual([]);
    expect(scenarios.length).toBeGreaterThanOrEqual(20);
    for (const name of [
      'SEND_RECEIVE',
      'STAT_TX_INVALID',
      'XDP_SHARED_UMEM',
      'TEARDOWN',
      'FAQ_FILL_NOT_FED',
      'ALIGNED_INV_DESC',
      'ALIGNED_INV_DESC_2K_FRAME_SIZE',
      'XDP_DROP_HALF',
    ])
      expect(scenarios.map((scenario) => scenario.name)).toContain(name);
  });

  it('shows the upstream expectation beside its own wherever a lesson says this kernel differs', () => {
    for (const scenario of loadCatalogue().scenarios.filter((scenario) => scenario.upstream.differs))
      expect(Object.keys(scenario.upstream.expect).length).toBeGreaterThan(0);
  });
});

describe('a broken lesson file', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true });
    dir = null;
  });

  it('is refused with its file and field named, and the other files still load', () => {
    dir = mkdtempSync(join(tmpdir(), 'ringside-lessons-'));
    writeFileSync(join(dir, 'SEND_RECEIVE.json'), sendReceive);
    const broken = JSON.parse(sendReceive);
    broken.name = 'BROKEN';
    broken.setup.sockets[0].umem = { frameSize: 'big' };
    writeFileSync(join(dir, 'BROKEN.json'), JSON.stringify(broken));
    const { scenarios, problems } = loadCatalogue(dir);
    expect(scenarios.map((scenario) => scenario.name)).toEqual(['SEND_RECEIVE']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /BROKEN\.json: setup\.sockets\.0\.umem\.frameSize: .*number.*shared\/src\/scenario\.ts/,
    );
  });

  it('names the fix when the file and the lesson disagree on the name', () => {
    const result = parseScenarioFile(sendReceive, 'SEND_RECIEVE');
    expect(result).toEqual({
      ok: false,
      problem: "name: SEND_RECEIVE differs from the file's name; rename the file SEND_RECEIVE.json",
    });
  });

  it('refuses a step or expectation naming a socket the lesson does not create', () => {
    const lesson = JSON.parse(sendReceive);
    lesson.expect.sockets.tx = { sent: 1 };
    const result = parseScenarioFile(JSON.stringify(lesson), 'SEND_RECEIVE');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toBe('expect.sockets.tx: the lesson has no socket tx; name one of rx');
  });

  it('refuses a descriptor table from a socket with an RX ring, naming the setting that fixes it', () => {
    const lesson = JSON.parse(readFileSync(join(SCENARIO_DIR, 'ALIGNED_INV_DESC.json'), 'utf8'));
    expect(parseScenarioFile(JSON.stringify(lesson), 'ALIGNED_INV_DESC').ok).toBe(true);
    delete lesson.setup.sockets[0].socket.rxSize;
    const result = parseScenarioFile(JSON.stringify(lesson), 'ALIGNED_INV_DESC');
    expect(!result.ok && result.problem).toBe(
      'steps.0.socketId: tx has an RX ring, and a descriptor table goes from a socket without one; give it "socket": {"rxSize": 0}',
    );
  });

  it('says where the JSON is broken', () => {
    const result = parseScenarioFile('{"name": ', 'X');
    expect(!result.ok && result.problem).toMatch(/^not JSON .*fix the syntax$/);
  });
});
