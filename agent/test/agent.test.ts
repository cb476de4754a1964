import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from './agent-process.ts';
import { describeKernel } from './kernel.ts';
import { TestClient } from './ws-client.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeKernel('the agent in lab mode, over its WebSocket', () => {
  let agent: RunningAgent;

  beforeAll(async () => {
    agent = await startAgent(['--rate', '20000']);
  });

  afterAll(async () => {
    expect(await agent?.stop()).toBe(0);
  });

  it('greets, describes its state, and streams snapshots of all four rings', async () => {
    const client = await TestClient.connect(agent.controlUrl);
    const hello = await client.next('hello');
    expect(hello).toMatchObject({ role: 'control', mode: 'lab', protocol: { major: 1 } });
    const state = await client.next('state');
    expect(state.sockets).toHaveLength(1);
    expect(state.lab?.appNamespace).toMatch(new RegExp(`^ringside-${agent.pid}-`));
    expect(state.traffic).toMatchObject({ paused: false, ratePps: 20000 });
    const snapshot = await client.next('snapshot');
    const socket = snapshot.sockets[0];
    expect(Object.keys(socket?.rings ?? {})).toEqual(['fill', 'rx', 'tx', 'completion']);
    expect(socket?.rings.rx?.size).toBe(2048);
    expect(client.invalid).toEqual([]);
    client.close();
  });

  it('shows RX producer rising under traffic and standing still once the source is paused', async () => {
    const client = await TestClient.connect(agent.controlUrl);
    await client.next('state');
    const rxProducer = async () => (await client.fresh('snapshot')).sockets[0]?.rings.rx?.producer ?? -1;

    const first = await rxProducer();
    await sleep(300);
    expect(await rxProducer()).toBeGreaterThan(first);

    client.send({ type: 'setTraffic', requestId: 'pause-1', paused: true });
    expect(await client.next('ack')).toEqual({ type: 'ack', requestId: 'pause-1' });
    expect((await client.next('state')).traffic?.paused).toBe(true);
    await sleep(300); // frames already in flight land first
    const paused = await rxProducer();
    await sleep(500);
    expect(await rxProducer()).toBe(paused);
    const snapshot = await client.fresh('snapshot');
    expect(snapshot.sockets[0]?.rates.rxPps).toBe(0);

    client.send({ type: 'setTraffic', requestId: 'resume-1', paused: false });
    await client.next('ack');
    await sleep(300);
    expect(await rxProducer()).toBeGreaterThan(paused);
    client.close();
  });

  it('lets a view-only client watch but not change the traffic', async () => {
    const client = await TestClient.connect(agent.viewUrl);
    expect((await client.next('hello')).role).toBe('view');
    client.send({ type: 'setTraffic', requestId: 'v1', paused: true });
    expect(await client.next('error')).toMatchObject({ requestId: 'v1', code: 'forbidden' });
    await client.next('snapshot');
    client.close();
  });
});
