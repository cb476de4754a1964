import { once } from 'node:events';
import { createServer } from 'node:net';
import { API_PATHS } from '@ringside/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ip } from '../src/host/ip.ts';
import { ringsideUrls, runAgentToExit, startAgent, testTokenFile } from './agent-process.ts';
import { describeKernel } from './kernel.ts';

describeKernel('starting Ringside', () => {
  it('refuses a busy port before it builds anything, naming --port N and --port 0', async () => {
    const holder = createServer();
    holder.listen({ host: '127.0.0.1', port: 0 });
    await once(holder, 'listening');
    const { port } = holder.address() as { port: number };
    try {
      const exit = await runAgentToExit(['--port', String(port)]);
      expect(exit.code).toBe(1);
      expect(exit.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(exit.stderr).toContain('--port 0');
      expect(exit.stderr).not.toContain('lab created');
    } finally {
      holder.close();
    }
  });

  it("prints a running agent's URLs again from its run file, and says so once it has stopped", async () => {
    const tokenFile = testTokenFile();
    const agent = await startAgent(['--token-file', tokenFile, '--rate', '1000', '--log-format', 'pretty']);
    let stopped = false;
    try {
      const again = await ringsideUrls(tokenFile);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(
        `Ringside is running: ${agent.controlUrl}\nView-only (for an audience): ${agent.viewUrl}\n`,
      );
      // --port 0 was asked: the URLs carry the port the kernel chose.
      expect(agent.port).toBeGreaterThan(0);
      // Lines to read, though stderr is a pipe, because they were asked for; uncoloured, as it is not a terminal.
      expect(agent.log()).toMatch(/^\[[\d:.]+\] INFO: lab created \{"appNamespace":/m);
      expect(agent.log()).not.toContain('\x1b[');
      expect(await agent.stop()).toBe(0);
      stopped = true;
      const after = await ringsideUrls(tokenFile);
      expect(after.code).toBe(1);
      expect(after.stderr).toContain('no Ringside is running');
    } finally {
      if (!stopped) await agent.stop();
    }
  });

  describeKernel('on a real interface (a veth pair standing in for one)', () => {
    const ifname = `rsst${process.pid % 100_000}a`;
    const peer = `rsst${process.pid % 100_000}b`;

    beforeAll(() => {
      ip('link', 'add', ifname, 'type', 'veth', 'peer', 'name', peer);
      ip('link', 'set', ifname, 'up');
      ip('link', 'set', peer, 'up');
    });
    afterAll(() => {
      ip('link', 'del', ifname);
    });

    it('opens no socket unless a workload is named, and says which queue would lose its frames', async () => {
      const exit = await runAgentToExit(['--iface', ifname, '--queue', '0']);
      expect(exit.code).toBe(1);
      expect(exit.stderr).toContain(`--iface ${ifname} needs --workload`);
      expect(exit.stderr).toContain(`queue 0 of ${ifname}`);
      expect(exit.stdout).toBe('');
    });

    it('runs the workload named, warning that the queue is taken from the kernel stack', async () => {
      const agent = await startAgent(['--iface', ifname, '--workload', 'txonly']);
      try {
        const log = agent.log();
        // Piped, with no format asked for: JSON, one object a line.
        for (const line of log.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
        expect(log).toContain(
          `txonly on queue 0 of ${ifname}: every frame that queue receives goes to Ringside's socket`,
        );
        expect(log).toContain('socket bound, txonly running');
        // A txonly socket reads nothing off RX: a capture is refused at once rather than left to come back empty.
        const token = agent.viewUrl.searchParams.get('token') as string;
        const capture = await fetch(new URL(`${API_PATHS.capture}?socket=xsk0&token=${token}`, agent.viewUrl));
        expect(capture.status).toBe(400);
        expect(await capture.text()).toContain('runs txonly');
      } finally {
        expect(await agent.stop()).toBe(0);
      }
    });
  });
});
