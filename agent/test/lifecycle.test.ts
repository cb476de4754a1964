import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { listNamespaces } from '../src/host/ip.ts';
import { runAgentAsNobody, runAgentToExit, startAgent } from './agent-process.ts';
import { describeKernel, waitFor } from './kernel.ts';

const namespacesOf = (pid: number) => listNamespaces().filter((name) => name.startsWith(`ringside-${pid}-`));

/** The XDP programs attached to the lab interfaces of the run `pid` (other runs may be going on beside it). */
function labPrograms(pid: number): number[] {
  return namespacesOf(pid).flatMap((namespace) => {
    const links = JSON.parse(execFileSync('ip', ['-n', namespace, '-j', 'link', 'show'], { encoding: 'utf8' })) as {
      xdp?: { prog?: { id: number } };
    }[];
    return links.flatMap((link) => (link.xdp?.prog ? [link.xdp.prog.id] : []));
  });
}

/** Whether the kernel still has program `id` loaded. */
function loaded(id: number): boolean {
  try {
    execFileSync('bpftool', ['prog', 'show', 'id', String(id)], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeKernel('what the agent leaves behind', () => {
  it('removes its namespaces and XDP programs on SIGINT and SIGTERM', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const agent = await startAgent();
      expect(namespacesOf(agent.pid)).toHaveLength(2);
      // One program on each end of the lab's veth: Ringside's sockets' and the traffic source's.
      const programs = labPrograms(agent.pid);
      expect(programs).toHaveLength(2);
      expect(await agent.stop(signal)).toBe(0);
      expect(namespacesOf(agent.pid)).toEqual([]);
      expect(programs.filter(loaded)).toEqual([]);
    }
  });

  it('stops at once on a second signal while it is stopping, its lab and programs still removed', async () => {
    const agent = await startAgent();
    const programs = labPrograms(agent.pid);
    expect(programs).toHaveLength(2);
    const exited = once(agent.child, 'exit');
    agent.child.kill('SIGINT');
    // The second comes once the first is being handled: the default action would end the agent without its exit
    // handler, leaving the lab behind.
    await waitFor(() => /"msg":"stopping"/.test(agent.log()), 10_000, 'the agent to start stopping');
    agent.child.kill('SIGINT');
    const [code, signal] = await exited;
    // Exit 1 and its warning: the second signal was handled, not the first's stop finished before it came.
    expect({ code, signal }).toEqual({ code: 1, signal: null });
    expect(agent.log()).toMatch(/"msg":"stopping at once"/);
    expect(namespacesOf(agent.pid)).toEqual([]);
    // The kernel frees a deleted namespace's devices, and with them their programs, in its own time.
    await waitFor(() => programs.filter(loaded).length === 0, 20_000, 'the lab programs to be unloaded');
  });

  it('stops by itself, removing its lab, when the process it follows (--stop-with-pid) ends', async () => {
    const harness = spawn('sleep', ['60']);
    const agent = await startAgent(['--stop-with-pid', String(harness.pid)]);
    expect(namespacesOf(agent.pid)).toHaveLength(2);
    harness.kill('SIGKILL');
    await waitFor(() => agent.child.exitCode !== null, 10_000, 'the agent to stop after its harness');
    expect(agent.child.exitCode).toBe(0);
    expect(namespacesOf(agent.pid)).toEqual([]);
  });

  it("routes libbpf's and libxdp's messages into its own structured log", async () => {
    const agent = await startAgent(['--log-level', 'trace']);
    await agent.stop();
    const lines = agent
      .log()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { source?: string; msg?: string });
    expect(lines.some((line) => line.source === 'libbpf' && line.msg?.startsWith('libbpf:'))).toBe(true);
    expect(lines.some((line) => line.source === 'libxdp' && line.msg?.startsWith('libxdp:'))).toBe(true);
    // Nothing of theirs reaches stderr unformatted.
    expect(
      agent
        .log()
        .split('\n')
        .filter((line) => line.startsWith('libbpf:') || line.startsWith('libxdp:')),
    ).toEqual([]);
  });

  it('after a SIGKILL, the next start removes what the killed run left', async () => {
    const killed = await startAgent();
    const programs = labPrograms(killed.pid);
    expect(programs).toHaveLength(2);
    await killed.stop('SIGKILL');
    // Nothing ran on the way out: the lab and its programs are still there.
    expect(namespacesOf(killed.pid)).toHaveLength(2);
    expect(programs.filter(loaded)).toEqual(programs);

    const next = await startAgent();
    // The kernel's word, not the log's: any agent starting on this host removes a dead run's lab, so on a
    // machine running two suites at once another one's start may be the one that does (and logs it).
    expect(namespacesOf(killed.pid)).toEqual([]);
    // The kernel frees a deleted namespace's devices, and with them their programs, from a work queue of its own.
    await waitFor(() => programs.filter(loaded).length === 0, 20_000, "the killed run's programs to be freed");
    const own = labPrograms(next.pid);
    expect(own).toHaveLength(2);
    expect(await next.stop()).toBe(0);
    expect(own.filter(loaded)).toEqual([]);
  });
});

/** Everything pinned under bpffs, as paths: libxdp pins its dispatcher state there. */
function bpffsPins(dir = '/sys/fs/bpf'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? bpffsPins(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`],
  );
}

describeKernel('killed and started again, over and over', () => {
  const RUNS = 50;

  // A start takes 3 to 4 s on an idle machine and was seen taking 19 s at load 20: the test has room for that, each time.
  it(
    `after ${RUNS} kill -9s in a row, every start succeeds and nothing of an old run is left`,
    async () => {
      const pinsBefore = bpffsPins();
      const killed: { pid: number; programs: number[] }[] = [];
      for (let run = 0; run < RUNS; run++) {
        // One queue and a slow source: what is left behind is the same, and each start quicker.
        const agent = await startAgent(['--lab-queues', '1', '--rate', '100']);
        // Each start removed the run killed before it, its programs with it.
        const previous = killed.at(-1);
        if (previous) {
          expect(namespacesOf(previous.pid)).toEqual([]);
          await waitFor(
            () => previous.programs.filter(loaded).length === 0,
            20_000,
            "the previous run's programs freed",
          );
        }
        killed.push({ pid: agent.pid, programs: labPrograms(agent.pid) });
        expect(killed.at(-1)?.programs).toHaveLength(2);
        await agent.stop('SIGKILL');
      }
      const last = await startAgent(['--lab-queues', '1', '--rate', '100']);
      expect(await last.stop()).toBe(0);
      expect(killed.flatMap((run) => namespacesOf(run.pid))).toEqual([]);
      await waitFor(
        () => killed.flatMap((run) => run.programs).filter(loaded).length === 0,
        20_000,
        "every killed run's programs to be freed",
      );
      expect(namespacesOf(last.pid)).toEqual([]);
      // No link of a lab is left in the root namespace, and no pin in bpffs.
      const links = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as {
        ifname: string;
      }[];
      expect(links.filter((link) => link.ifname.startsWith('rs-'))).toEqual([]);
      expect(bpffsPins()).toEqual(pinsBefore);
    },
    RUNS * 36_000,
  );
});

describeKernel('refusing to start, with one line that names the fix', () => {
  const oneLine = (stderr: string) => stderr.trim().split('\n');

  it('names a missing interface and the lab as the alternative', async () => {
    const result = await runAgentToExit(['--iface', 'nosuch0']);
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toEqual([
      "ringside: Interface nosuch0 does not exist: list interfaces with 'ip -br link', or leave out --iface to use the built-in lab.",
    ]);
  });

  it('names the package to install when libxdp cannot be loaded', async () => {
    const result = await runAgentToExit([], { RINGSIDE_LIBXDP: 'libxdp-absent.so.1' });
    expect(result.code).toBe(1);
    const lines = oneLine(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^ringside: libxdp-absent\.so\.1 cannot be loaded: install it with 'apt-get install libxdp1'/,
    );
  });

  it('asks for root when started as an unprivileged user', async () => {
    const result = await runAgentAsNobody([]);
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr)).toEqual([
      "ringside: Ringside must run as root: it creates network namespaces, XDP programs and AF_XDP sockets. Run it with 'sudo npm start'.",
    ]);
  });

  it('refuses to serve beyond loopback unless asked to', async () => {
    const result = await runAgentToExit(['--host', '0.0.0.0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('add --allow-remote');
  });

  it('leaves no namespace behind after refusing', () => {
    const orphans = listNamespaces().filter((name) => {
      const pid = /^ringside-(\d+)-/.exec(name)?.[1];
      return pid !== undefined && !alive(Number(pid));
    });
    expect(orphans).toEqual([]);
  });
});
