import { describe, expect, it } from 'vitest';
import { CommandPriority } from './command-priority.ts';

const levels = { idle: 19, commanding: 0 };

describe('CommandPriority', () => {
  it('raises the thread for a command and lowers it once the command is done, even when it fails', async () => {
    const set: number[] = [];
    const priority = new CommandPriority((nice) => set.push(nice), levels);
    expect(await priority.during(async () => 'done')).toBe('done');
    await expect(
      priority.during(async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(set).toEqual([0, 19, 0, 19]);
  });

  it('stays raised while any of several overlapping commands runs', async () => {
    const set: number[] = [];
    const priority = new CommandPriority((nice) => set.push(nice), levels);
    let release = () => {};
    const long = priority.during(() => new Promise<void>((resolve) => (release = resolve)));
    await priority.during(async () => {});
    expect(set).toEqual([0]);
    release();
    await long;
    expect(set).toEqual([0, 19]);
  });

  it('keeps its nice without failing the command where the kernel refuses a raise (no CAP_SYS_NICE)', async () => {
    let calls = 0;
    const priority = new CommandPriority(() => {
      calls++;
      throw new Error('setpriority: EACCES');
    }, levels);
    expect(await priority.during(async () => 1)).toBe(1);
    expect(await priority.during(async () => 2)).toBe(2);
    // Refused once, it is not asked again at every command.
    expect(calls).toBe(1);
  });
});
