import { networkInterfaces } from 'node:os';
import { API_PATHS } from '@ringside/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  getWithHeaders,
  type RunningAgent,
  ringsideUrls,
  runAgentToExit,
  startAgent,
  testTokenFile,
} from './agent-process.ts';
import { describeKernel } from './kernel.ts';
import { TestClient } from './ws-client.ts';

/** Every URL a start printed, with the words before it: loopback is where each is sent, its Host says the name. */
function printedUrls(output: string): { label: string; url: URL }[] {
  return [...output.matchAll(/^(.+?): (http:\/\/\S+)$/gm)].map(([, label = '', url = '']) => ({
    label,
    url: new URL(url),
  }));
}

/** One upgrade with the Host and Origin of a page opened by `host`: opened, or the refusal's status and words. */
function upgradeAs(host: string, port: number, token: string): Promise<{ status: number; body: string } | 'opened'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${API_PATHS.webSocket}?token=${encodeURIComponent(token)}`, {
      headers: { host },
      origin: `http://${host}`,
    });
    socket.once('open', () => {
      socket.close();
      resolve('opened');
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}

/** Where a tunnel to the agent would listen: another port, which the name carries in its URLs. */
const TUNNEL_PORT = 8443;

describeKernel('an audience that joins by name', () => {
  let agent: RunningAgent;
  const tokenFile = testTokenFile();

  beforeAll(async () => {
    // Given twice (the option repeats), the second with a tunnel's port.
    agent = await startAgent([
      ...['--token-file', tokenFile, '--rate', '1000'],
      ...['--allowed-host', 'workshop-box.local', '--allowed-host', `tunnel.example:${TUNNEL_PORT}`],
    ]);
  });

  afterAll(async () => {
    await agent?.stop();
  });

  it('prints a control and a view URL for loopback and for each allowed name, and each one streams as its role', async () => {
    const urls = printedUrls(agent.output());
    const port = agent.port;
    expect(urls.map(({ label, url }) => [label, url.host])).toEqual([
      ['Ringside is running', `127.0.0.1:${port}`],
      ['View-only (for an audience)', `127.0.0.1:${port}`],
      ['Also reachable', `workshop-box.local:${port}`],
      ['View-only there', `workshop-box.local:${port}`],
      ['Also reachable', `tunnel.example:${TUNNEL_PORT}`],
      ['View-only there', `tunnel.example:${TUNNEL_PORT}`],
    ]);
    // This agent listens on loopback: the name works here, and the log says only a tunnel or proxy brings others.
    expect(agent.log()).toContain('these names work through a tunnel or proxy to this port only');
    const controlToken = agent.controlUrl.searchParams.get('token') ?? '';
    for (const { label, url } of urls) {
      const role = label.startsWith('View-only') ? 'view' : 'control';
      const client = await TestClient.connect(new URL(`http://127.0.0.1:${port}/${url.search}`), {
        host: url.host,
        origin: url.origin,
      });
      try {
        const hello = await client.next('hello');
        expect(hello.role, label).toBe(role);
        const viewToken = agent.viewUrl.searchParams.get('token');
        expect(hello.audienceUrls).toEqual([
          `http://workshop-box.local:${port}/?token=${viewToken}`,
          `http://tunnel.example:${TUNNEL_PORT}/?token=${viewToken}`,
        ]);
        // A view page is told the audience URLs: none of them may carry control.
        if (role === 'view') expect(JSON.stringify(hello)).not.toContain(controlToken);
        const snapshot = await client.next('snapshot', 10_000);
        expect(snapshot.sockets.length).toBeGreaterThan(0);
      } finally {
        client.close();
      }
      const page = await getWithHeaders(port, '/', { host: url.host });
      expect(page.status, label).toBe(200);
      expect(page.body).toContain('<div id="root"></div>');
    }
  });

  it('lists the same URLs again from its run file', async () => {
    const { code, stdout } = await ringsideUrls(tokenFile);
    expect(code).toBe(0);
    expect(stdout).toBe(agent.output());
    expect(printedUrls(stdout)).toHaveLength(6);
  });

  it('refuses a name it was not given before the upgrade and on the page, naming the --allowed-host to add', async () => {
    const token = agent.viewUrl.searchParams.get('token') ?? '';
    for (const name of ['other-box.local', 'workshop-box.local.evil.example', 'workshop-box.localx']) {
      const upgrade = await upgradeAs(`${name}:${agent.port}`, agent.port, token);
      expect(upgrade, name).toEqual({ status: 403, body: expect.stringContaining(`--allowed-host ${name} `) });
      const page = await getWithHeaders(agent.port, '/', { host: `${name}:${agent.port}` });
      expect(page.status).toBe(403);
      expect(page.body).toContain(`--allowed-host ${name} `);
    }
    // The allowed name on another port is another origin: a tunnel's port must be named with it.
    const otherPort = await upgradeAs(`workshop-box.local:${agent.port + 1}`, agent.port, token);
    expect(otherPort).toMatchObject({ status: 403 });
    expect(await upgradeAs(`workshop-box.local:${agent.port}`, agent.port, token)).toBe('opened');
  });
});

describeKernel('starting Ringside for an audience', () => {
  it('refuses to serve every address without a name, offering the addresses this machine has there', async () => {
    const exit = await runAgentToExit(['--host', '0.0.0.0', '--allow-remote']);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('add --allowed-host NAME');
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((info) => info && !info.internal && info.family === 'IPv4');
    for (const info of addresses) expect(exit.stderr).toContain(info?.address);
    expect(exit.stderr).not.toContain('lab created');
  });

  it('refuses a name that is not one, naming the forms it takes', async () => {
    const exit = await runAgentToExit(['--allowed-host', '0177.0.0.1']);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain("--allowed-host '0177.0.0.1' is not a host name");
    expect(exit.stderr.trim().split('\n')).toHaveLength(1);
  });
});
