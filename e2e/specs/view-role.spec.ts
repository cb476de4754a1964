import { expect, test } from '@playwright/test';
import { COMMAND_TYPES, COMMANDS, PROTOCOL_VERSION } from '@ringside/shared';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { crashUntilLeftDown, ofSocket } from '../../agent/test/worker-crashes.ts';
import { exampleMessages, requestIdOf, TestClient } from '../../agent/test/ws-client.ts';
import { agentState, numberIn, openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '5000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

test('the view role sees every control disabled, and its keys change nothing', async ({ page }) => {
  await openExplorer(page, agent.viewUrl, { view: 'rings,controls' });
  await expect(page.getByTestId('role')).toHaveText('view only');
  const socket = page.getByTestId('socket-xsk0');
  await expect(socket.getByTestId('ring-rx-producer')).toBeVisible();

  const controls = [
    page.getByTestId('traffic-toggle'),
    page.getByTestId('traffic-rate'),
    socket.getByTestId('step'),
    page.getByTestId('inject-invalid-tx'),
    page.getByTestId('inject-invalid-fill'),
    page.getByTestId('destroy-socket'),
  ];
  for (const stage of ['fillRefill', 'rxDrain', 'txSubmit', 'completionReap']) {
    controls.push(socket.getByTestId(`stage-${stage}`));
  }
  for (const control of controls) await expect(control).toBeDisabled();
  for (const formId of ['socket-form-xsk0', 'socket-form-new']) {
    const fields = page.getByTestId(formId).locator('input, select, button');
    expect(await fields.count()).toBeGreaterThan(15);
    for (const field of await fields.all()) await expect(field).toBeDisabled();
  }

  // The shortcuts a control page uses to pause and to stop traffic.
  await page.locator('body').press('p');
  await page.locator('body').press('t');
  await page.locator('body').press('1');
  const rxProducer = socket.getByTestId('ring-rx-producer');
  const before = await numberIn(rxProducer);
  await expect.poll(() => numberIn(rxProducer)).toBeGreaterThan(before + 500);
  for (const stage of ['fillRefill', 'rxDrain', 'txSubmit', 'completionReap']) {
    await expect(socket.getByTestId(`stage-${stage}`)).toHaveAttribute('aria-pressed', 'false');
  }
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Pause traffic');
});

test('the view role sees the program, traffic path and teaching controls disabled, and may still read frames', async ({
  page,
}) => {
  await openExplorer(page, agent.viewUrl, { socket: 'xsk0', view: 'topology,controls,inspector' });
  await expect(page.getByTestId('role')).toHaveText('view only');
  const programForm = page.getByTestId('program-form-rs-app');
  await expect(programForm.getByTestId('program-kind-select')).toBeDisabled();
  await expect(programForm.getByTestId('program-apply')).toBeDisabled();
  for (const id of ['traffic-queue-0', 'traffic-queue-1', 'traffic-ports', 'traffic-path-apply']) {
    await expect(page.getByTestId(id)).toBeDisabled();
  }
  const teaching = page.getByTestId('controls-xsk0').getByTestId('feed-same-frame');
  await expect(teaching.getByTestId('feed-same-frame-button')).toBeDisabled();
  await expect(teaching.getByTestId('feed-same-frame-deliberately')).toBeDisabled();
  await expect(page.getByTestId('socket-form-new').getByTestId('form-umemId')).toBeDisabled();
  await expect(page.getByTestId('socket-form-new').getByTestId('form-xskmapIndex')).toBeDisabled();

  // Reading a frame changes nothing, so the agent lets a view client do it.
  const inspector = page.getByTestId('inspector-xsk0');
  await inspector.getByTestId('inspector-frame').fill('0');
  await inspector.getByTestId('inspector-read').click();
  await expect(inspector.getByTestId('inspector-address')).toHaveText('0');
  await expect(inspector.getByTestId('inspector-problem')).toHaveText('');
});

test('the same controls are enabled on the control URL', async ({ page }) => {
  await openExplorer(page, agent.controlUrl, { view: 'rings,controls' });
  await expect(page.getByTestId('role')).toHaveText('control');
  await expect(page.getByTestId('socket-xsk0').getByTestId('stage-rxDrain')).toBeEnabled();
  await expect(page.getByTestId('traffic-toggle')).toBeEnabled();
  await expect(page.getByTestId('socket-form-xsk0').getByTestId('form-rxSize')).toBeEnabled();
});

test('a data plane left down tells a control page, and only it, that reconfiguring starts it again', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  // RINGSIDE_TEST_FAULTS: SIGUSR2 ends every data-plane thread, as a crash would.
  const crashing = await startAgent(['--rate', '5000'], 60_000, { RINGSIDE_TEST_FAULTS: '1' });
  const client = await TestClient.connect(crashing.viewUrl);
  try {
    const control = await context.newPage();
    await openExplorer(control, crashing.controlUrl, { view: 'rings', socket: 'xsk0' });
    await openExplorer(page, crashing.viewUrl, { view: 'rings', socket: 'xsk0' });
    await expect(page.getByTestId('role')).toHaveText('view only');
    await crashUntilLeftDown(crashing, client, ofSocket('xsk0'));
    const downOn = (on: typeof page) => on.getByTestId('socket-xsk0').getByTestId('dataplane-down');
    await expect(downOn(control)).toContainText('Reconfigure the socket to start it again');
    await expect(downOn(page)).toContainText('was left down');
    await expect(downOn(page)).not.toContainText('Reconfigure');
  } finally {
    client.close();
    await crashing.stop();
  }
});

test('a page opened with the view URL is refused every control command of the command table, and nothing changes', async ({
  page,
}) => {
  await openExplorer(page, agent.viewUrl, { view: 'rings' });
  const before = await agentState(agent);
  const examples = exampleMessages(before.lab?.appIfname ?? '');
  const commands = COMMAND_TYPES.filter((type) => COMMANDS[type].role === 'control').map((type) => examples[type]);
  // Sent from the page itself, with its own origin and token: what a script on a view page could do.
  const answers = await page.evaluate(
    async ({ commands, protocol }) => {
      const token = new URLSearchParams(window.location.search).get('token') ?? '';
      const socket = new WebSocket(`ws://${window.location.host}/ws?token=${encodeURIComponent(token)}`);
      const answers: Record<string, string> = {};
      await new Promise<void>((resolve) => {
        socket.onopen = () => {
          socket.send(JSON.stringify({ type: 'hello', protocol }));
          for (const command of commands) socket.send(JSON.stringify(command));
        };
        socket.onmessage = (event) => {
          if (typeof event.data !== 'string') return;
          const message = JSON.parse(event.data) as { type: string; requestId?: string; code?: string };
          if (message.requestId === undefined || message.requestId === null) return;
          answers[message.requestId] = message.type === 'error' ? (message.code ?? 'error') : message.type;
          if (Object.keys(answers).length === commands.length) resolve();
        };
      });
      socket.close();
      return answers;
    },
    { commands, protocol: PROTOCOL_VERSION },
  );
  expect(answers).toEqual(Object.fromEntries(commands.map((command) => [requestIdOf(command), 'forbidden'])));
  const after = await agentState(agent);
  expect(after.sockets).toEqual(before.sockets);
  expect(after.umems).toEqual(before.umems);
  expect(after.traffic).toEqual(before.traffic);
  expect(after.xdpPrograms).toEqual(before.xdpPrograms);
  await expect(page.getByTestId('role')).toHaveText('view only');
  const rxProducer = page.getByTestId('socket-xsk0').getByTestId('ring-rx-producer');
  const flowing = await numberIn(rxProducer);
  await expect.poll(() => numberIn(rxProducer)).toBeGreaterThan(flowing);
});
