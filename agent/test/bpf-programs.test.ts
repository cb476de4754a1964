import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeKernel } from './kernel.ts';

const BPF = fileURLToPath(new URL('../../bpf/', import.meta.url));
const BUILD = `${BPF}build/`;
/** Every program source in bpf/: one added there is built, verified and checked here without a list to update. */
const SOURCES = readdirSync(BPF)
  .filter((file) => file.endsWith('.c'))
  .map((file) => file.slice(0, -'.c'.length));
/** Each source is built twice: as is, and as its multi-buffer (xdp.frags) variant. */
const PROGRAMS = SOURCES.flatMap((name) => [name, `${name}.frags`]);
/**
 * rx_metadata calls the RX metadata kfuncs, which the kernel takes only in a
 * program bound to a device at load; bpftool 7.1 cannot bind one (xdpmeta_dev
 * came in 7.2). agent/test/rx-metadata.test.ts loads it bound, on the lab's veth.
 */
const DEVICE_BOUND = new Set(['rx_metadata']);
const UNBOUND = PROGRAMS.filter((name) => !DEVICE_BOUND.has(name.replace(/\.frags$/, '')));

describeKernel("Ringside's XDP programs (bpf/, built by the setup step)", () => {
  it('are all built', () => {
    expect(readdirSync(BUILD).sort()).toEqual(PROGRAMS.map((name) => `${name}.o`).sort());
  });

  it.each(UNBOUND)('%s passes the kernel verifier and keeps an XSKMAP and its five action counters', (name) => {
    // bpffs takes no '.' in a name it creates.
    const pins = `/sys/fs/bpf/ringside-verify-${process.pid}-${name.replace('.', '-')}`;
    try {
      // Loading is where the verifier judges a program; nothing is attached to any interface.
      execFileSync('bpftool', ['prog', 'loadall', `${BUILD}${name}.o`, pins, 'type', 'xdp'], { stdio: 'pipe' });
      const [program] = readdirSync(pins);
      const shown = JSON.parse(
        execFileSync('bpftool', ['-j', 'prog', 'show', 'pinned', `${pins}/${program}`], { encoding: 'utf8' }),
      ) as {
        type: string;
        map_ids: number[];
      };
      expect(shown.type).toBe('xdp');
      const maps = shown.map_ids.map(
        (id) =>
          JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'id', String(id)], { encoding: 'utf8' })) as {
            type: string;
            name: string;
            max_entries: number;
          },
      );
      // redirected, passed, dropped, no_socket, wrong_queue (bpf/ringside.h).
      expect(maps).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'xskmap', name: 'xsks_map' }),
          expect.objectContaining({ type: 'percpu_array', name: 'action_counts', max_entries: 5 }),
        ]),
      );
    } finally {
      if (existsSync(pins)) rmSync(pins, { recursive: true, force: true });
    }
  });
});
