import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { XDP_STATISTICS_FIELDS, type XdpStatistics } from '@ringside/shared';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { AttachWatch } from '../src/attach/attach-watch.ts';
import { AttachError, AttachedXsk } from '../src/attach/attached-xsk.ts';
import { type DiscoveredXsk, discoverXsks } from '../src/attach/discovery.ts';
import { AttachedSocket, attachedSocketId } from '../src/attached-sockets.ts';
import type { ManagedSocket } from '../src/engine/managed-socket.ts';
import { Lab } from '../src/lab/lab.ts';
import { TrafficSource } from '../src/lab/traffic-source.ts';
import { readMmapOffsets } from '../src/native/xsk-mapping.ts';
import { attachedOwners } from '../src/observe/attached-umem.ts';
import { describeKernel, waitFor } from './kernel.ts';
import { startLabSocket, TEST_UMEM } from './lab-sockets.ts';
import { XskOwner } from './xsk-owner.ts';

const noop = () => {};

/** This process's fds, as /proc lists them. */
function ownFds(): number[] {
  return readdirSync('/proc/self/fd').map(Number);
}

/** The fds of this process that are XSKs (only an XSK answers XDP_MMAP_OFFSETS). */
function ownXskFds(): number[] {
  return ownFds().filter((fd) => {
    try {
      return readMmapOffsets(fd) !== null;
    } catch {
      return false;
    }
  });
}

/** Whether this process holds `inode` in any way: an fd naming it, or a mapping of it. */
function holds(inode: number): boolean {
  const link = `socket:[${inode}]`;
  const fds = ownFds().some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === link;
    } catch {
      return false;
    }
  });
  return fds || readFileSync('/proc/self/maps', 'utf8').includes(link);
}

function attachError(work: () => unknown): AttachError {
  try {
    work();
  } catch (error) {
    if (error instanceof AttachError) return error;
    throw error;
  }
  throw new Error('expected an AttachError');
}

/** The owner's XSKs, once discovery lists all `count` of them (a bind is not instant). */
async function discoveredOwner(owner: XskOwner, count: number): Promise<DiscoveredXsk[]> {
  const deadline = Date.now() + 20_000;
  let found = await discoverXsks({ pid: owner.pid });
  while (found.length !== count && Date.now() < deadline) found = await discoverXsks({ pid: owner.pid });
  expect(found.map((xsk) => xsk.fd).sort()).toEqual([...owner.fds].sort());
  return found;
}

/** Every counter of `inside` lies between the same counter of `before` and `after`. */
function between(before: XdpStatistics, inside: XdpStatistics, after: XdpStatistics): void {
  for (const field of XDP_STATISTICS_FIELDS) {
    expect(inside[field], field).toBeGreaterThanOrEqual(before[field]);
    expect(inside[field], field).toBeLessThanOrEqual(after[field]);
  }
}

/** What AttachedXsk.open says to a process that lacks CAP_SYS_PTRACE, run in a child that dropped it. */
async function openWithoutPtrace(pid: number, fd: number): Promise<{ code: string; fix: string }> {
  const module = new URL('../src/attach/attached-xsk.ts', import.meta.url).href;
  const script = `const { AttachedXsk } = await import(${JSON.stringify(module)});
try { AttachedXsk.open({ pid: ${pid}, fd: ${fd} }); console.log('{}'); }
catch (error) { console.log(JSON.stringify({ code: error.code, fix: error.fix })); }`;
  const stdout = await new Promise<string>((resolve, reject) => {
    // Root without CAP_SYS_PTRACE in its bounding set (so not in its permitted set after exec): it may still read
    // the checkout, which another user may not (a clone under a 0700 directory), but not another process's fds.
    execFile(
      'setpriv',
      ['--bounding-set', '-sys_ptrace', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: new URL('../..', import.meta.url).pathname },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}

describeKernel('attaching to another process’s XSK', () => {
  let lab: Lab;
  let source: TrafficSource;
  let owner: XskOwner | null = null;
  let attached: AttachedXsk | null = null;
  let ownSocket: ManagedSocket | null = null;
  /** More sockets attached by one test, let go after it. */
  const also: AttachedXsk[] = [];

  beforeAll(async () => {
    lab = Lab.create(2);
    source = await TrafficSource.start(lab, { ratePps: 5000, frameLength: 64, paused: true, queueId: 0 }, noop);
  });

  afterEach(async () => {
    source.pause();
    if (source.queueIds.length !== 1) await source.setQueues([0]);
    attached?.close();
    attached = null;
    for (const held of also.splice(0)) held.close();
    await owner?.stop();
    owner = null;
    await ownSocket?.destroy();
    ownSocket = null;
  });

  afterAll(async () => {
    await source?.stop();
    lab?.destroy();
  });

  it('discovers a foreign rxdrop socket with its rings, and reads the RX producer its owner reads', async () => {
    owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
    const [xsk] = await discoveredOwner(owner, 1);
    if (!xsk) throw new Error('one XSK');
    expect(xsk.command).toBe('xsk-owner');
    // Discovery duplicated the socket to learn it, and let go before returning.
    expect(holds(xsk.inode)).toBe(false);
    expect(xsk.netns.name).toBe(lab.appNamespace);
    // xsk-owner's rings are 2048 entries; no TX ring. Without xsk_diag every size is the mapping's.
    expect(xsk.kernel.rings.rx).toMatchObject({ candidates: [2048], exact: true, present: true });
    expect(xsk.kernel.rings.fill).toMatchObject({ candidates: [2048], exact: true, present: true });
    expect(xsk.kernel.rings.completion).toMatchObject({ candidates: [2048], exact: true, present: true });
    expect(xsk.kernel.rings.tx).toMatchObject({ candidates: [], present: false });
    expect(xsk.kernel.zeroCopy).toEqual({ value: false, source: 'getsockopt', note: 'XDP_OPTIONS' });
    // The lab's app namespace has one interface, running libxdp's program with its XSKMAP; two queues.
    // Discovery infers that off its own path, so a later call has it.
    let inferred = xsk;
    const deadline = Date.now() + 20_000;
    while (inferred.kernel.ifname.source === 'unknown' && Date.now() < deadline) {
      inferred = (await discoverXsks({ pid: owner.pid }))[0] ?? inferred;
    }
    expect(inferred.kernel.ifname).toMatchObject({ value: lab.appIfname, source: 'netlink' });
    expect(inferred.kernel.xdpMode).toMatchObject({ value: 'drv', source: 'netlink' });
    expect(inferred.kernel.queueId).toMatchObject({ value: null, source: 'unknown' });

    attached = AttachedXsk.open({ pid: xsk.pid, fd: xsk.fd, inode: xsk.inode });
    // Read as the sampler, the metrics and the detail read it: through the one UMEM reader.
    const watched = new AttachedSocket('pid.fd', attached);
    expect(watched.read().parts.states.tx).toBeNull();
    // Without xsk_diag the UMEM shows in its rings: xsk-owner's 4096 chunks of 2048 bytes, the top ones in FILL.
    expect(attached.umemFromRings()).toMatchObject({ chunkSize: 2048, framesAtLeast: 4096 });
    expect(watched.frames).toEqual({ count: 4096, chunkSize: 2048 });
    source.resume();
    const rxProducer = () => watched.read().parts.states.rx?.producer ?? 0;
    const statistics = () => watched.read().stats;
    const started = Date.now();
    let rounds = 0;
    // Ten seconds of traffic, the owner alternately draining and stalled, so both the RX
    // producer and the drop counters move; each round waits on the counters, not a clock.
    while (Date.now() - started < 10_000 || rounds < 4) {
      const paused = rounds % 2 === 1;
      await owner.pause(paused);
      const from = rxProducer();
      const dropsFrom = statistics().rxDropped;
      await waitFor(
        () => (paused ? statistics().rxDropped - dropsFrom >= 500 : rxProducer() - from >= 500),
        10_000,
        paused ? 'the kernel to drop frames the stalled owner left' : 'the RX producer to move',
      );
      const before = { producer: rxProducer(), stats: statistics() };
      const [report] = await owner.report();
      const after = { producer: rxProducer(), stats: statistics() };
      if (!report) throw new Error('the owner reports its socket');
      expect(report.rx_producer).toBeGreaterThanOrEqual(before.producer);
      expect(report.rx_producer).toBeLessThanOrEqual(after.producer);
      // The owner read its word between our two readings. (How near either of them it was depends on scheduling
      // alone: a busy machine can let a batch or more arrive between the reads, so nothing is asked of that.)
      between(before.stats, report.stats, after.stats);
      rounds++;
    }
    // Quiet: both read the same words and counters.
    source.pause();
    await owner.pause(false);
    // Still means unchanged across a whole report: a frame the busy kernel delivers late moves the words in between,
    // and then the report is asked again.
    const settleBy = Date.now() + 20_000;
    for (;;) {
      const ours = { producer: rxProducer(), stats: statistics() };
      const [quiet] = await owner.report();
      const still = rxProducer() === ours.producer && JSON.stringify(statistics()) === JSON.stringify(ours.stats);
      if (still) {
        expect(quiet?.rx_producer).toBe(ours.producer);
        expect(quiet?.stats).toEqual(ours.stats);
        break;
      }
      if (Date.now() > settleBy) throw new Error('the RX producer did not settle once traffic stopped');
    }
  });

  it('attaches to two sockets sharing one UMEM on two queues: each its own FILL and COMPLETION, both receiving', async () => {
    owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0, 1]);
    const found = await discoveredOwner(owner, 2);
    for (const xsk of found) {
      expect(xsk.kernel.rings.rx.present).toBe(true);
      expect(xsk.kernel.rings.fill.present).toBe(true);
      expect(xsk.kernel.rings.completion.present).toBe(true);
      expect(xsk.kernel.rings.tx.present).toBe(false);
    }
    expect(new Set(found.map((xsk) => xsk.inode)).size).toBe(2);
    const reports = await owner.report();
    // In the owner's queue order: its first socket made the UMEM, the second shares it.
    const watched = (owner.fds as number[]).map((fd) => {
      const xsk = found.find((entry) => entry.fd === fd);
      if (!xsk) throw new Error(`fd ${fd} discovered`);
      const held = AttachedXsk.open({ pid: xsk.pid, fd, inode: xsk.inode });
      also.push(held);
      return new AttachedSocket(attachedSocketId(xsk.pid, fd), held);
    });
    await source.setQueues([0, 1]);
    source.resume();
    const rxProducer = (socket: AttachedSocket) => socket.read().parts.states.rx?.producer ?? 0;
    for (const socket of watched) {
      const from = rxProducer(socket);
      await waitFor(() => rxProducer(socket) - from >= 500, 10_000, `${socket.id}'s RX producer to move`);
    }
    const before = watched.map(rxProducer);
    const now = await owner.report();
    const after = watched.map(rxProducer);
    watched.forEach((socket, i) => {
      const report = now.find((entry) => entry.fd === owner?.fds[i]);
      if (!report) throw new Error(`the owner reports ${socket.id}`);
      expect(report.rx_producer).toBeGreaterThanOrEqual(before[i] as number);
      expect(report.rx_producer).toBeLessThanOrEqual(after[i] as number);
      // Both sockets receive: each moved since the owner's first report.
      expect(report.rx_producer).toBeGreaterThan(reports[i]?.rx_producer ?? 0);
    });
    // One UMEM: the second socket's FILL holds chunks past the first socket's 4096, addresses in the area the
    // first one registered. A UMEM of its own would start its chunks at address 0.
    const [first, second] = watched as [AttachedSocket, AttachedSocket];
    const fillFrames = (socket: AttachedSocket) => [...(socket.read().parts.frames.fill ?? [])];
    expect(first.frames?.chunkSize).toBe(2048);
    expect(second.frames?.chunkSize).toBe(2048);
    expect(Math.max(...fillFrames(first))).toBeLessThan(4096);
    expect(Math.min(...fillFrames(second))).toBeGreaterThanOrEqual(4096);
    expect(second.frames?.count).toBe(8192);
    // Each names the frames in its own rings, and counts the other socket's as the application's. Read with the
    // owner still: a frame it moves from RX to FILL between the reading's RX and FILL indices is in both lists.
    source.pause();
    await owner.pause(true);
    const { parts } = second.read();
    const ledger = attachedOwners(parts, 8192);
    expect(ledger.counts.fill).toBe(parts.frames.fill?.length);
    expect(ledger.counts.fill).toBeGreaterThan(0);
    expect(ledger.counts['application-held']).toBeGreaterThanOrEqual(4096);
  });

  it('lets go when the owner closes its socket, so the owner binds the same queue again', async () => {
    owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
    const [xsk] = await discoveredOwner(owner, 1);
    if (!xsk) throw new Error('one XSK');
    attached = AttachedXsk.open({ pid: xsk.pid, fd: xsk.fd, inode: xsk.inode });
    const reasons: string[] = [];
    attached.onGone((reason) => reasons.push(reason));
    const rebound = await owner.rebind();
    expect(rebound).toMatchObject({ rebound: true, errno: 0 });
    expect(reasons).toEqual([`process ${owner.pid} (xsk-owner) closed fd ${xsk.fd}`]);
    expect(holds(xsk.inode)).toBe(false);
    // The new socket is another XSK of the same process.
    const [again] = await discoverXsks({ pid: owner.pid });
    expect(again?.inode).not.toBe(xsk.inode);
  });

  it('lets go once the owner is killed, holding no XSK afterwards', async () => {
    const xsksBefore = ownXskFds();
    owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
    const [xsk] = await discoveredOwner(owner, 1);
    if (!xsk) throw new Error('one XSK');
    attached = AttachedXsk.open({ pid: xsk.pid, fd: xsk.fd, inode: xsk.inode });
    expect(holds(xsk.inode)).toBe(true);
    let goneAt = 0;
    let why = '';
    attached.onGone((reason) => {
      goneAt = Date.now();
      why = reason;
    });
    owner.kill();
    // The check runs every 250 ms; the wait has room for a busy machine (the latency is the benchmark's).
    await waitFor(() => goneAt > 0, 10_000, 'onGone after SIGKILL');
    expect(why).toMatch(/exited|closed/);
    expect(holds(xsk.inode)).toBe(false);
    expect(ownXskFds()).toEqual(xsksBefore);
    attached.close();
  });

  it('does not list a process that has sockets but no XSK', async () => {
    owner = await XskOwner.start(lab.appNamespace, lab.appIfname, []);
    const pid = owner.pid;
    expect(
      readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')),
    ).toBe(true);
    expect(await discoverXsks({ pid })).toEqual([]);
    expect((await discoverXsks()).some((xsk) => xsk.pid === pid)).toBe(false);
  });

  it('refuses a pid that is gone, holding nothing', async () => {
    const child = spawn('true');
    const pid = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    const fdsBefore = ownFds().length;
    const error = attachError(() => AttachedXsk.open({ pid, fd: 3 }));
    expect(error.code).toBe('pid-gone');
    expect(error.fix).not.toBe('');
    expect(ownFds().length).toBe(fdsBefore);
  });

  it('refuses an fd that is not an XSK, holding nothing', async () => {
    owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
    const fdsBefore = ownFds().length;
    // fd 0 is the owner's stdin: a pipe.
    expect(attachError(() => AttachedXsk.open({ pid: owner?.pid as number, fd: 0 })).code).toBe('not-xsk');
    expect(attachError(() => AttachedXsk.open({ pid: owner?.pid as number, fd: 999 })).code).toBe('fd-gone');
    expect(ownFds().length).toBe(fdsBefore);
  });

  it('refuses a process that may not read another’s fds, naming root or CAP_SYS_PTRACE', async () => {
    owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
    const refusal = await openWithoutPtrace(owner.pid, owner.fds[0] as number);
    expect(refusal.code).toBe('not-permitted');
    expect(refusal.fix).toMatch(/root|CAP_SYS_PTRACE/);
  });

  it('discovers Ringside’s own lab sockets too, under its own pid', async () => {
    ownSocket = await startLabSocket(lab, 'rxdrop', { socket: { queueId: 1, rxSize: 1024, txSize: 512 } });
    const fd = ownSocket.socket.fd;
    const mine = (await discoverXsks({ pid: process.pid })).find((xsk) => xsk.fd === fd);
    expect(mine?.kernel.rings.rx.candidates).toEqual([1024]);
    expect(mine?.kernel.rings.tx.candidates).toEqual([512]);
  });

  it('reads an attached socket’s need_wakeup flags and UMEM layout from its mapped rings, and no ring once let go', async () => {
    // Ringside's own rxdrop socket, attached as another process's would be: copy mode, 2048-byte aligned chunks.
    ownSocket = await startLabSocket(lab, 'rxdrop');
    const fd = ownSocket.socket.fd;
    const found = (await discoverXsks({ pid: process.pid })).find((xsk) => xsk.fd === fd);
    if (!found) throw new Error(`fd ${fd} discovered`);
    // Discovery maps no ring: it cannot tell these.
    expect(found.kernel.txNeedWakeup.source).toBe('unknown');
    expect(found.kernel.chunkSize.source).toBe('unknown');
    const first = AttachedXsk.open({ pid: process.pid, fd, inode: found.inode });
    also.push(first);
    expect(first.info.kernel.chunkSize.note).toContain('no frame received yet');
    source.resume();
    const watched = new AttachedSocket(attachedSocketId(process.pid, fd), first);
    await waitFor(() => (watched.read().parts.states.rx?.producer ?? 0) >= 64, 10_000, 'frames to reach RX');
    source.pause();

    attached = AttachedXsk.open({ pid: process.pid, fd, inode: found.inode });
    const { kernel } = attached.info;
    // Copy mode: the kernel sets TX's flag at bind and never FILL's (README, what the kernel does).
    expect(kernel.txNeedWakeup).toMatchObject({ value: true, source: 'ring-flags' });
    expect(kernel.fillNeedWakeup).toMatchObject({ value: false, source: 'ring-flags' });
    expect(kernel.unaligned).toMatchObject({ value: false, source: 'ring-contents' });
    expect(kernel.chunkSize).toMatchObject({ value: TEST_UMEM.frameSize, source: 'ring-contents' });
    expect(kernel.headroom).toMatchObject({ value: TEST_UMEM.headroom, source: 'ring-contents' });
    // The rest is what discovery read of it.
    expect(kernel.rings).toEqual(found.kernel.rings);

    // Closed, its rings are unmapped: a reading of it refuses rather than touching the pages.
    first.close();
    expect(() => watched.read()).toThrow(/released/);
  });

  it('keeps Ringside’s own XSKs out of the programs it starts, so none shows as their owner', async () => {
    ownSocket = await startLabSocket(lab, 'rxdrop');
    const ours = new Set(ownXskFds().map((fd) => readlinkSync(`/proc/self/fd/${fd}`)));
    expect(ours.size).toBeGreaterThan(0);
    const child = spawn('sleep', ['30']);
    try {
      const pid = child.pid as number;
      // Not its name: exec sets the name before it closes the close-on-exec fds
      // (begin_new_exec), so a look in between found fds that were going. Once
      // sleep waits in nanosleep, its exec is over.
      await waitFor(() => /nanosleep/.test(readFileSync(`/proc/${pid}/wchan`, 'utf8')), 10_000, 'sleep to sleep');
      const inherited = readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
      expect(inherited.filter((link) => ours.has(link))).toEqual([]);
      expect(await discoverXsks({ pid })).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reports a new XSK once it is bound, and its going', async () => {
    const watch = new AttachWatch();
    const added: { xsk: DiscoveredXsk }[] = [];
    const removed: DiscoveredXsk[] = [];
    watch.on('added', (xsk) => added.push({ xsk }));
    watch.on('removed', (xsk) => removed.push(xsk));
    const updated: DiscoveredXsk[] = [];
    watch.on('updated', (xsk) => updated.push(xsk));
    await watch.start();
    try {
      owner = await XskOwner.start(lab.appNamespace, lab.appIfname, [0]);
      const pid = owner.pid;
      // How soon (under a second, scanning every 500 ms) is attach_discovery_ms in the benchmark; this waits.
      await waitFor(() => added.some(({ xsk }) => xsk.pid === pid), 10_000, 'the watch to report the new XSK');
      // First listed without its interface; the inference from its namespace follows as an update.
      await waitFor(
        () => updated.some((xsk) => xsk.pid === pid && xsk.kernel.ifname.value === lab.appIfname),
        20_000,
        'the watch to report the inferred interface',
      );
      await owner.stop();
      await waitFor(() => removed.some((xsk) => xsk.pid === pid), 10_000, 'the watch to report it gone');
      expect(watch.list().some((xsk) => xsk.pid === pid)).toBe(false);
    } finally {
      watch.stop();
    }
  });
});
