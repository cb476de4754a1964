import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Page, test } from '@playwright/test';
import { type LessonOutcome, observedAt } from '@ringside/shared';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { agentState, openExplorer } from './explorer.ts';

/**
 * Lessons from the kernel's test catalogue, run from the page: the numbers
 * the page shows are the agent's own, a difference from upstream's harness
 * is shown as such, a view page cannot run one, and the panel's text stays
 * clear of itself in presenter mode on a projector's and a laptop's screen.
 */

let agent: RunningAgent;
/** The page the catalogue's lessons share (onOnePage, below); null until the first of them opens it. */
let lessonsPage: Page | null = null;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '2000']);
});

test.afterAll(async () => {
  // The worker goes on to other spec files: a page left open would keep retrying this agent's port.
  await lessonsPage?.context().close();
  lessonsPage = null;
  await agent?.stop();
});

/** Runs a lesson from the page and resolves with the agent's outcome of it, read by a second client. */
async function runFromPage(page: Page, name: string): Promise<LessonOutcome> {
  const panel = page.getByTestId('lessons');
  await panel.getByTestId('lesson-pick').selectOption(name);
  await panel.getByTestId('lesson-run').click();
  await expect(panel.getByTestId('lesson-request')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(panel.getByTestId('lesson-verdict')).toHaveAttribute('data-ran', 'true');
  const last = (await agentState(agent)).lessons?.last;
  if (last?.name !== name) throw new Error(`the agent's last lesson is ${last?.name}, not ${name}`);
  return last;
}

/** Every number the page shows for the last run, against the agent's own reading, read in one go and retried whole. */
async function expectPageShows(page: Page, outcome: LessonOutcome): Promise<void> {
  const cells = page.getByTestId('lessons').locator('[data-testid^="lesson-observed-"]');
  const differences = async (): Promise<string[]> => {
    const shown = await cells.evaluateAll((all) =>
      all.map((cell) => [cell.getAttribute('data-testid') ?? '', cell.textContent ?? ''] as const),
    );
    if (shown.length === 0) return ['no number shown'];
    return shown.flatMap(([testId, text]) => {
      const path = testId.replace('lesson-observed-', '');
      const value = outcome.observed === null ? null : observedAt(outcome.observed, path);
      const agentSays = value === null ? '—' : String(value);
      return text === agentSays ? [] : [`${path}: the page shows ${text}, the agent read ${agentSays}`];
    });
  };
  await expect.poll(differences).toEqual([]);
}

test('lessons run from the page show the agent’s numbers, with what upstream expects beside them', async ({ page }) => {
  test.setTimeout(240_000);
  await openExplorer(page, agent.controlUrl, { view: 'rings' });
  const panel = page.getByTestId('lessons');

  const invalid = await runFromPage(page, 'STAT_TX_INVALID');
  expect(invalid.findings).toEqual([]);
  await expectPageShows(page, invalid);
  // This kernel hands invalid TX addresses back on COMPLETION; upstream's harness expects none: a finding, shown.
  const differing = panel.getByTestId('lesson-row-sockets.tx.completedInvalid');
  await expect(differing).toHaveAttribute('data-upstream-differs', 'true');
  await expect(differing).toHaveAttribute('data-mismatch', 'false');
  await expect(panel.getByTestId('lesson-upstream-sockets.tx.completedInvalid')).toBeVisible();
  await expect(panel.getByTestId('lesson-differs')).toContainText('still comes back on COMPLETION');
  await expect(panel.getByTestId('lesson-verdict')).toHaveText('as expected on this kernel; 1 differ from upstream');
  // The lesson's socket is upstream's tx, named so that it cannot read as the TX ring.
  await expect(page.getByTestId('pick-lesson-tx')).toBeVisible();
  await expect(page.getByTestId('pick-tx')).toHaveCount(0);
  await expect(panel.getByTestId('lesson-row-sockets.tx.completedInvalid').locator('th')).toHaveText(
    'lesson-tx: completedInvalid',
  );

  // Upstream's invalid-descriptor table: 5 of 10 refused, and all 10 back on COMPLETION here, where upstream
  // expects only the 5 sent: completed and completedInvalid are both findings against upstream, marked as such.
  const table = await runFromPage(page, 'ALIGNED_INV_DESC');
  expect(table.findings).toEqual([]);
  expect(table.upstreamFindings.map((finding) => finding.path)).toEqual([
    'sockets.tx.completed',
    'sockets.tx.completedInvalid',
  ]);
  await expectPageShows(page, table);
  for (const path of ['sockets.tx.completed', 'sockets.tx.completedInvalid']) {
    await expect(panel.getByTestId(`lesson-row-${path}`)).toHaveAttribute('data-upstream-differs', 'true');
    await expect(panel.getByTestId(`lesson-row-${path}`)).toHaveAttribute('data-mismatch', 'false');
    await expect(panel.getByTestId(`lesson-upstream-${path}`)).toBeVisible();
  }
  await expect(panel.getByTestId('lesson-row-sockets.tx.stats.txInvalidDescs')).toHaveAttribute(
    'data-upstream-differs',
    'false',
  );
  await expect(panel.getByTestId('lesson-differs')).toContainText('all 10 come back');
  await expect(panel.getByTestId('lesson-verdict')).toHaveText('as expected on this kernel; 2 differ from upstream');

  for (const name of ['SEND_RECEIVE_SINGLE_PKT', 'STAT_FILL_EMPTY', 'XDP_SHARED_UMEM']) {
    const outcome = await runFromPage(page, name);
    expect(outcome.findings, name).toEqual([]);
    await expectPageShows(page, outcome);
    await expect(panel.getByTestId('lesson-verdict')).toHaveText('as expected on this kernel');
    await expect(panel.locator('tr[data-mismatch="true"]')).toHaveCount(0);
  }
});

test('after a lesson, one click gives the lab back its own socket, receiving from the source resumed', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openExplorer(page, agent.controlUrl, { view: 'rings' });
  const panel = page.getByTestId('lessons');
  const outcome = await runFromPage(page, 'SEND_RECEIVE_SINGLE_PKT');
  expect(outcome.findings).toEqual([]);
  // The lesson's numbers keep upstream's name for its socket; the page shows it as lesson-rx, never as rx.
  expect(Object.keys(outcome.observed?.sockets ?? {})).toEqual(['rx']);
  await expect(page.getByTestId('pick-lesson-rx')).toBeVisible();
  await expect(page.getByTestId('pick-rx')).toHaveCount(0);
  await expect(page.getByTestId('pick-xsk0')).toHaveCount(0);
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Resume traffic');

  await panel.getByTestId('lesson-back').click();
  await expect(panel.getByTestId('lesson-back-request')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(page.getByTestId('pick-xsk0')).toBeVisible();
  await expect(page.getByTestId('pick-lesson-rx')).toHaveCount(0);
  await expect(page.getByTestId('traffic-toggle')).toHaveText('Pause traffic');
  await expect(page.getByTestId('socket-xsk0').getByTestId('diagnosis')).toHaveAttribute('data-verdict', 'receiving');
  // Back where the lab started: nothing left to go back from.
  await expect(panel.getByTestId('lesson-back')).toHaveCount(0);
});

/** The lessons the test above runs and checks in detail. */
const SHOWN_ABOVE = new Set([
  'STAT_TX_INVALID',
  'ALIGNED_INV_DESC',
  'SEND_RECEIVE_SINGLE_PKT',
  'STAT_FILL_EMPTY',
  'XDP_SHARED_UMEM',
]);

/** Every lesson file there is, so a lesson a teacher adds is run from the page too. */
const LESSONS = readdirSync(fileURLToPath(new URL('../../agent/scenarios/', import.meta.url)))
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length));

test('a view page sees the lessons and the last outcome, and cannot run one', async ({ page }) => {
  await openExplorer(page, agent.viewUrl);
  const panel = page.getByTestId('lessons');
  await expect(panel.getByTestId('lesson-pick')).toBeEnabled();
  await expect(panel.getByTestId('lesson-run')).toBeDisabled();
  await expect(panel.getByTestId('lesson-title')).not.toBeEmpty();
});

for (const viewport of [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
]) {
  test(`presenter mode at ${viewport.width}×${viewport.height}: the lesson beside the rings, no text over other text`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await page.setViewportSize(viewport);
    await openExplorer(page, agent.controlUrl, { view: 'rings', presenter: '1' });
    await expect(page.locator('html')).toHaveClass(/presenter/);
    await runFromPage(page, 'STAT_TX_INVALID');
    const panel = page.getByTestId('lessons');
    await expect(panel.getByTestId('lesson-explanation')).toBeVisible();
    const rings = page.getByTestId('view-rings-panels');
    const [lesson, view] = [await panel.boundingBox(), await rings.boundingBox()];
    if (!lesson || !view) throw new Error('the lesson or the rings are not laid out');
    // At 1920 the sidebar sits beside the rings; below 1600 px presenter mode puts it under them (styles.css).
    if (viewport.width >= 1600) expect(lesson.x).toBeGreaterThanOrEqual(view.x + view.width);
    expect(lesson.x + lesson.width).toBeLessThanOrEqual(viewport.width);
    expect(await panel.evaluate(textClashes)).toEqual([]);
  });
}

/** Text in the panel that covers other text, or runs out of the panel or its cell. */
function textClashes(root: Element): string[] {
  const boxes: { text: string; rect: DOMRect }[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = (node.textContent ?? '').trim();
    if (!text) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of Array.from(range.getClientRects())) if (rect.width > 0) boxes.push({ text, rect });
  }
  const outer = root.getBoundingClientRect();
  const clashes: string[] = [];
  for (const [i, a] of boxes.entries()) {
    if (a.rect.left < outer.left - 1 || a.rect.right > outer.right + 1) clashes.push(`${a.text}: out of the panel`);
    for (const b of boxes.slice(i + 1)) {
      const overlap =
        Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left) > 1 &&
        Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top) > 1;
      if (overlap) clashes.push(`${a.text} over ${b.text}`);
    }
  }
  for (const cell of Array.from(root.querySelectorAll('td, th, p, li, h2, h3')))
    if (cell.scrollWidth > cell.clientWidth + 1) clashes.push(`${cell.textContent}: cut off`);
  return clashes;
}

/**
 * One control page for the rest of the catalogue, kept across its lessons:
 * each lesson is its own test, and the page stays open between them, as a
 * teacher's does, until this file's tests end. So they come last: a page
 * animating beside another slows both. A failed test ends its worker, and
 * the next lesson opens a fresh page in the next.
 */
const onOnePage = test.extend<{ lessonPage: Page }>({
  lessonPage: async ({ browser }, use, testInfo) => {
    if (!lessonsPage) {
      lessonsPage = await browser.newPage();
      await openExplorer(lessonsPage, agent.controlUrl, { view: 'rings' });
    }
    await use(lessonsPage);
    // The page is not the test's own, so Playwright's screenshot on failure does not cover it.
    if (testInfo.status !== testInfo.expectedStatus)
      await testInfo.attach('page', { body: await lessonsPage.screenshot(), contentType: 'image/png' });
  },
});

for (const name of LESSONS.filter((lesson) => !SHOWN_ABOVE.has(lesson))) {
  onOnePage(
    `${name} runs from the page as expected on this kernel, the page showing the agent’s numbers`,
    async ({ lessonPage: page }) => {
      test.setTimeout(120_000);
      const outcome = await runFromPage(page, name);
      expect(outcome.findings).toEqual([]);
      await expectPageShows(page, outcome);
      const panel = page.getByTestId('lessons');
      await expect(panel.getByTestId('lesson-verdict')).toHaveText(/^as expected on this kernel/);
      await expect(panel.locator('tr[data-mismatch="true"]')).toHaveCount(0);
    },
  );
}
