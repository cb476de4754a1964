import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { numberIn, openExplorer, settled } from './explorer.ts';

/** The selftests' XDP_DROP_HALF, chosen from the page: the selector offers every kind of the protocol. */
let agent: RunningAgent;

test.beforeEach(async () => {
  agent = await startAgent(['--rate', '2000']);
});

test.afterEach(async () => {
  await agent?.stop();
});

test('drop-half is offered, loads, and its counters show every second frame dropped and the rest redirected', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { view: 'topology,controls' });
  const program = page.getByTestId('program-rs-app');
  const programForm = page.getByTestId('program-form-rs-app');
  await programForm.getByTestId('program-kind-select').selectOption('drop-half');
  await programForm.getByTestId('program-apply').click();
  await expect(programForm.getByTestId('program-outcome')).toHaveText('loaded', { timeout: 20_000 });
  await expect(program.getByTestId('program-kind')).toHaveText('drop-half');

  await expect.poll(() => numberIn(program.getByTestId('program-dropped')), { timeout: 20_000 }).toBeGreaterThan(1000);
  // The agent reads the program's counters one key at a time, and a busy machine may deschedule it between two keys
  // while frames keep coming: compare the totals once the traffic has stopped and they hold still.
  await page.getByTestId('traffic-toggle').click();
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Resume traffic');
  const [dropped = 0, ...kept] = await settled(page, () =>
    page.evaluate(() =>
      ['dropped', 'redirected', 'passed', 'wrongQueue'].map((action) =>
        Number(document.querySelector(`[data-testid="program-rs-app"] [data-testid="program-${action}"]`)?.textContent),
      ),
    ),
  );
  // One counter decides for every frame: the dropped half and the kept half (redirected, or passed where an index is
  // empty) differ by at most the one frame an odd total leaves over.
  expect(Math.abs(dropped - kept.reduce((sum, count) => sum + count, 0))).toBeLessThanOrEqual(1);
});
