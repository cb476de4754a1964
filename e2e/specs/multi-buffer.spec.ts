import { expect, test } from '@playwright/test';
import { type RunningAgent, startAgent } from '../../agent/test/agent-process.ts';
import { agentDetail, agentState, openExplorer } from './explorer.ts';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent(['--rate', '2000', '--lab-mtu', '9000', '--frame-length', '9000']);
});

test.afterAll(async () => {
  await agent?.stop();
});

/**
 * The packets the agent's RX entries make, as the rings view should group them: a packet ends at each descriptor
 * without XDP_PKT_CONTD (1); the first may have begun before the consumer, the last may still be arriving.
 */
function packetsListed(options: readonly number[], consumer: number, size: number): string[] {
  const groups: string[] = [];
  let start = 0;
  options.forEach((option, index) => {
    const last = index === options.length - 1;
    if ((option & 1) !== 0 && !last) return;
    const count = index - start + 1;
    const open = (option & 1) !== 0;
    if (count > 1 || open) groups.push(`${(consumer + start) % size}:${count}${open ? '+' : ''}`);
    start = index + 1;
  });
  return groups;
}

/** How many packets on from the first whole one the pointer aims: a near miss of a few slots stays in whole packets. */
const PACKETS_AWAY = 8;

test('multi-buffer set in the form: 9000-byte frames fill RX three descriptors each, drawn as one group per packet, and a slot names its place in its packet', async ({
  page,
}) => {
  await openExplorer(page, agent.controlUrl, { socket: 'xsk0', view: 'controls,rings' });
  const form = page.getByTestId('socket-form-xsk0');
  await expect(form.getByTestId('form-multiBuffer-unavailable')).toHaveCount(0);
  await form.getByTestId('form-multiBuffer').check();
  await expect(form.getByTestId('form-multiBuffer-limit')).toHaveText(/sends at most \d+ per packet in copy mode/);
  await form.getByTestId('form-submit').click();
  await expect(form.getByTestId('form-outcome')).toHaveText('applied', { timeout: 20_000 });

  const rings = page.getByTestId('socket-xsk0');
  await rings.getByTestId('stage-rxDrain').click();
  // A stage button toggles from the page's last snapshot: the next click waits until the page shows this one.
  await expect(rings.getByTestId('stage-rxDrain')).toHaveAttribute('aria-pressed', 'true');
  // Left undrained, RX takes packets while three slots are free: it stands still a slot or two short of full.
  const size = Number(await rings.getByTestId('ring-rx-size').textContent());
  await expect
    .poll(async () => Number(await rings.getByTestId('ring-rx-used').textContent()))
    .toBeGreaterThan(size - 3);

  const detail = await agentDetail(agent, 'xsk0');
  const rx = detail.rings.rx;
  const entries = detail.entries.rx;
  if (!rx || !entries) throw new Error('xsk0 has no RX ring');
  // The worker drains in batches of 64, so the consumer may stand inside a packet: the first whole one starts
  // after the first descriptor without XDP_PKT_CONTD (1). Every packet is three descriptors, CONTD on the first two.
  const start = entries.options.indexOf(0) + 1;
  expect(entries.options.slice(start, start + 9)).toEqual([1, 1, 0, 1, 1, 0, 1, 1, 0]);
  expect(entries.lengths.slice(start, start + 3)).toEqual([3840, 3840, 1320]);

  // The slot of that packet's first descriptor.
  const slot = (rx.consumer + start) % rx.size;
  const canvas = rings.getByTestId('ring-rx-canvas');
  const tooltip = page.getByTestId('slot-tooltip');
  // A slot of a ring of 2048 is a fraction of a pixel wide where the pointer goes, and the pointer lands on whole
  // pixels: it is aimed at a slot, and the slot the page says it is on is held to the agent's entries.
  const pointAt = async (aim: number): Promise<number> => {
    // From off the ring, so the tooltip read is this pointing's and not the last one's.
    await page.mouse.move(0, 0);
    await expect(tooltip).toHaveCount(0);
    const box = await canvas.boundingBox();
    if (!box) throw new Error('the RX ring is not drawn');
    const side = box.width;
    const band = side / 2 - 17; // between the band's inner (side/2 - 24) and outer (side/2 - 10) radius
    const angle = ((aim + 0.5) / rx.size) * 2 * Math.PI;
    await canvas.hover({ position: { x: side / 2 + band * Math.sin(angle), y: side / 2 - band * Math.cos(angle) } });
    await expect(tooltip).toContainText(/^rx slot \d+ ·/);
    const named = Number(/^rx slot (\d+) ·/.exec((await tooltip.textContent()) ?? '')?.[1]);
    // A few pixels at most from where it was aimed: a pointer read against the wrong geometry lands far away.
    const off = Math.abs(named - aim);
    expect(Math.min(off, rx.size - off)).toBeLessThan(PACKETS_AWAY * 3);
    return named;
  };
  /** The slots of the packet whose descriptor sits in `pointed`, from the agent's entries, and the descriptor's place. */
  const packetOf = (pointed: number) => {
    // The consumer is a free-running index: its slot is the index modulo the size.
    const entry = (((pointed - rx.consumer) % rx.size) + rx.size) % rx.size;
    let first = entry;
    while (first > start && ((entries.options[first - 1] as number) & 1) !== 0) first--;
    let last = entry;
    while (((entries.options[last] as number) & 1) !== 0) last++;
    const slots = Array.from({ length: last - first + 1 }, (_, k) => (rx.consumer + first + k) % rx.size);
    return { slots, place: `descriptor ${entry - first + 1} of ${slots.length} (XDP_PKT_CONTD chains them)` };
  };
  // Aimed at a packet's first descriptor far enough on that a near miss is still in a whole packet.
  const pointed = await pointAt((slot + PACKETS_AWAY * 3) % rx.size);
  await expect(tooltip.getByTestId('slot-packet')).toHaveText(packetOf(pointed).place);

  // The ring draws one group per packet the agent lists on RX, each over exactly the slots of its descriptors.
  const groups = packetsListed(entries.options, rx.consumer, rx.size);
  expect(groups.length).toBeGreaterThan(size / 3 - 2);
  await expect(canvas).toHaveAttribute('data-packets', groups.join(' '));
  const whole = groups.filter((group) => group.startsWith(`${slot}:`));
  expect(whole).toEqual([`${slot}:3`]);

  // Pointing at any descriptor of a packet (aimed at a middle one) highlights all of its slots.
  const middle = (slot + 1) % rx.size;
  const packetSlots = [slot, middle, (slot + 2) % rx.size].join(' ');
  const pointedMiddle = await pointAt((middle + PACKETS_AWAY * 3) % rx.size);
  await expect(tooltip.getByTestId('slot-packet')).toHaveText(packetOf(pointedMiddle).place);
  await expect(canvas).toHaveAttribute('data-highlighted', packetOf(pointedMiddle).slots.join(' '));

  // The keyboard reaches the same packet: Home is the oldest entry, each arrow one slot on.
  await page.mouse.move(0, 0);
  await expect(tooltip).toHaveCount(0);
  await canvas.focus();
  await expect(tooltip).toContainText(`rx slot ${rx.consumer % rx.size}`);
  for (let step = 0; step <= start; step++) await canvas.press('ArrowRight');
  await expect(tooltip).toContainText(`rx slot ${middle}`);
  await expect(tooltip.getByTestId('slot-packet')).toHaveText('descriptor 2 of 3 (XDP_PKT_CONTD chains them)');
  await expect(canvas).toHaveAttribute('data-highlighted', packetSlots);

  // Enter opens the slot's frame in the packet inspector, which names the packet's frames in order and leads to the first,
  // where the headers are: the middle one is not decoded as a frame of its own.
  const { umems, sockets } = await agentState(agent);
  const umemId = sockets.find((socket) => socket.id === 'xsk0')?.umemId;
  const frameSize = umems.find((umem) => umem.id === umemId)?.config.frameSize;
  if (!frameSize) throw new Error('xsk0 has no UMEM in the agent state');
  const frames = [0, 1, 2].map((k) => Math.floor((entries.addresses[start + k] as number) / frameSize));
  await canvas.press('Enter');
  const inspector = page.getByTestId('inspector-xsk0');
  await expect(inspector.getByTestId('inspector-frame')).toHaveValue(String(frames[1]));
  await expect(inspector.getByTestId('inspector-fragment')).toHaveText(
    `fragment 2 of 3 on RX (XDP_PKT_CONTD chains them); the headers are in the first: frames ${frames.join(' → ')}`,
  );
  await expect(inspector.getByTestId('packet-ethernet-etherType')).toHaveCount(0);
  await inspector.getByTestId('inspector-fragment-1').click();
  await expect(inspector.getByTestId('inspector-frame')).toHaveValue(String(frames[0]));
  await expect(inspector.getByTestId('inspector-fragment')).toContainText('fragment 1 of 3');
  await expect(inspector.getByTestId('packet-ethernet-etherType')).toContainText('IPv4');
});
