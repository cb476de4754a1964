import { Workload } from '@ringside/shared';
import { describe, expect, it } from 'vitest';
import { AGENT_OPTIONS, HELP, SETUP_OPTIONS } from './cli-help.mjs';
import { LOG_FORMATS, LOG_LEVELS } from './logger.ts';
import { DEFAULT_RECORD_SNAPSHOTS_PER_SECOND } from './record/recorder.ts';
import { DEFAULT_COMMANDS_PER_SECOND } from './server/agent-server.ts';

describe('the help text', () => {
  it("states the defaults the agent really uses, though it is read before the agent's modules can load", () => {
    const line = (name: string) => AGENT_OPTIONS.find((option) => option.name === name)?.lines.join(' ');
    expect(line('max-commands-per-second')).toContain(`(default ${DEFAULT_COMMANDS_PER_SECOND})`);
    expect(line('record-rate')).toContain(`(default ${DEFAULT_RECORD_SNAPSHOTS_PER_SECOND})`);
    expect(line('log-level')).toBe(`${LOG_LEVELS.join(', ')} (default info)`);
    expect(line('log-format')).toMatch(new RegExp(`^${LOG_FORMATS.join(' or ')} `));
    expect(line('workload')).toContain(`${Workload.options.slice(0, -1).join(', ')} or ${Workload.options.at(-1)}`);
  });

  it('lists every option once, each in a column of its own', () => {
    const names = [...AGENT_OPTIONS, ...SETUP_OPTIONS].map((option) => option.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(HELP).toMatch(new RegExp(`^ {2}--${name}\\b`, 'm'));
    expect(HELP).toContain('\n  --port N            port to serve on');
    expect(HELP).toContain('\n  --max-commands-per-second N\n                      messages a client may send');
  });
});
