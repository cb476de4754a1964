import { describe, expect, it } from 'vitest';
import { kernelFactRows, ringSizeNote, ringSizeText } from './kernel-view.ts';
import { attachedSocket, labSocket } from './test-fixtures.ts';

const own = (info = labSocket('xsk0', 0)) => kernelFactRows(info.kernel, info.request);
const pick = (rows: ReturnType<typeof kernelFactRows>, key: string) => rows.find((row) => row.key === key);

describe("a ring's size as the kernel let it be read", () => {
  it('is one number when exact, the candidates when the mapping fits several, none when absent', () => {
    expect(ringSizeText({ candidates: [2048], exact: true, present: true, source: 'mmap-probe' })).toEqual({
      text: '2048',
      exact: true,
    });
    expect(ringSizeText({ candidates: [64, 128], exact: false, present: true, source: 'mmap-probe' })).toEqual({
      text: '64 or 128',
      exact: false,
    });
    // Past two, a range: a small ring's page fits every power of two up to its size.
    const small = {
      candidates: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      exact: false,
      present: true,
      source: 'mmap-probe' as const,
    };
    expect(ringSizeText(small)).toEqual({ text: '1–256', exact: false });
    expect(ringSizeNote(small)).toBe(
      'the mapping is page-granular: 1, 2, 4, 8, 16, 32, 64, 128, 256 entries all fit it',
    );
    expect(ringSizeText({ candidates: [], exact: false, present: false, source: 'mmap-probe' })).toEqual({
      text: 'none',
      exact: true,
    });
    expect(ringSizeText({ candidates: [], exact: false, present: true, source: 'unknown' })).toEqual({
      text: 'unknown',
      exact: false,
    });
  });
});

describe('an own socket’s kernel view: requested beside in effect', () => {
  it('shows each ring’s candidates, and none where the kernel mapped none', () => {
    const info = labSocket('xsk0', 0);
    info.kernel.rings.rx = { candidates: [32, 64, 128], exact: false, present: true, source: 'mmap-probe' };
    const rows = own(info);
    expect(pick(rows, 'rings.rx')).toMatchObject({
      requested: '2048',
      inEffect: '32–128',
      exact: false,
      source: 'mmap-probe',
      note: 'the mapping is page-granular: 32, 64, 128 entries all fit it',
    });
    expect(pick(rows, 'rings.tx')).toMatchObject({ inEffect: 'none', exact: true, note: '' });
  });

  it('says unknown for what the kernel has not shown yet, with its note', () => {
    expect(pick(own(), 'headroom')).toMatchObject({
      requested: '0',
      inEffect: 'unknown',
      source: 'unknown',
      note: 'no frame received yet',
    });
  });

  it('words flags and modes as the request does, so equal means equal', () => {
    const rows = own();
    expect(pick(rows, 'xdpMode')).toMatchObject({ requested: 'drv', inEffect: 'drv', source: 'netlink' });
    expect(pick(rows, 'txNeedWakeup')).toMatchObject({
      requested: 'on',
      inEffect: 'on — the kernel asks for a wakeup now',
      source: 'ring-flags',
    });
    expect(pick(rows, 'zeroCopy')).toMatchObject({ inEffect: 'copy', source: 'getsockopt' });
    expect(pick(rows, 'xdpProgramId')).toMatchObject({ inEffect: 'id 42' });
    expect(pick(rows, 'batchSize')).toMatchObject({ inEffect: 'not the kernel’s', source: 'ringside' });
  });
});

describe('the chunk size: known from the registration for an own UMEM, inferred for another process’s', () => {
  it('shows an own socket’s registered chunk before any frame proves it, saying where it comes from', () => {
    expect(pick(own(), 'chunkSize')).toMatchObject({
      requested: '4096',
      inEffect: '4096',
      source: 'ringside',
      note: "registered by Ringside (XDP_UMEM_REG), which the kernel takes as given or refuses; the kernel's own readings: no frame received yet",
    });
  });

  it('shows it too where received frames only prove a multiple of it (4 KiB chunks, 2048 fits as well)', () => {
    const info = labSocket('xsk0', 0);
    info.kernel.chunkSize = { value: null, divides: 4096, source: 'ring-contents', note: 'a multiple of the chunk' };
    expect(pick(own(info), 'chunkSize')).toMatchObject({ inEffect: '4096', source: 'ringside' });
  });

  it('keeps what the kernel showed first, so a contradiction still reads as one', () => {
    const info = labSocket('xsk0', 0);
    info.kernel.chunkSize = { value: 2048, source: 'socket-diag' };
    expect(pick(own(info), 'chunkSize')).toMatchObject({ requested: '4096', inEffect: '2048', source: 'socket-diag' });
    info.kernel.chunkSize = { value: null, divides: 6144, source: 'ring-contents' };
    // A stride the registered size does not divide is said as read, not hidden as unknown.
    expect(pick(own(info), 'chunkSize')).toMatchObject({
      inEffect: 'divides 6144, from where the kernel wrote received frames',
      exact: false,
      source: 'ring-contents',
    });
  });

  it('infers another process’s chunk from its received frames, and says so', () => {
    const attached = attachedSocket(4242, 5, 'xdpsock');
    expect(pick(kernelFactRows(attached.kernel, null), 'chunkSize')).toMatchObject({ inEffect: 'unknown' });
    attached.kernel.chunkSize = { value: 2048, source: 'ring-contents' };
    expect(pick(kernelFactRows(attached.kernel, null), 'chunkSize')).toMatchObject({
      inEffect: '2048, from where the kernel wrote received frames',
    });
    attached.kernel.chunkSize = { value: null, divides: 4096, source: 'ring-contents' };
    expect(pick(kernelFactRows(attached.kernel, null), 'chunkSize')).toMatchObject({
      inEffect: 'divides 4096, from where the kernel wrote received frames',
      exact: false,
    });
    attached.kernel.chunkSize = { value: 4096, source: 'socket-diag' };
    expect(pick(kernelFactRows(attached.kernel, null), 'chunkSize')).toMatchObject({ inEffect: '4096' });
  });
});

describe('need_wakeup beside its request: the flag is set only while the kernel wants a wakeup', () => {
  const withFlags = (needWakeup: boolean, fill: boolean) => {
    const info = labSocket('xsk0', 0);
    info.request = { ...info.request, socket: { ...info.request.socket, needWakeup } };
    info.kernel.fillNeedWakeup = { value: fill, source: 'ring-flags' };
    return pick(own(info), 'fillNeedWakeup');
  };

  it('reads a clear FILL flag under need_wakeup on as on, the kernel not asking now, not as off', () => {
    expect(withFlags(true, false)).toMatchObject({
      requested: 'on',
      inEffect: 'on — the kernel is not asking for a wakeup now',
    });
    expect(withFlags(true, true)).toMatchObject({ requested: 'on', inEffect: 'on — the kernel asks for a wakeup now' });
  });

  it('keeps a flag set where need_wakeup was not asked for worded as the contradiction it is', () => {
    expect(withFlags(false, true)).toMatchObject({ requested: 'off', inEffect: 'on' });
    expect(withFlags(false, false)).toMatchObject({ requested: 'off', inEffect: 'off' });
  });
});

describe('an attached socket’s kernel view: the same facts in the same words, with nothing requested', () => {
  const attached = attachedSocket(4242, 5, 'xdpsock');
  const rows = kernelFactRows(attached.kernel, null);

  it('has a row for every fact an own socket shows but the batch size, which is Ringside’s data plane', () => {
    expect(rows.map((row) => row.key)).toEqual(own().flatMap((row) => (row.key === 'batchSize' ? [] : [row.key])));
    expect(rows.every((row) => row.requested === null)).toBe(true);
  });

  it('words each fact as an own socket’s view does', () => {
    expect(pick(rows, 'rings.rx')).toMatchObject({ inEffect: '2048', exact: true, source: 'mmap-probe' });
    expect(pick(rows, 'rings.tx')).toMatchObject({ inEffect: 'none' });
    expect(pick(rows, 'zeroCopy')).toMatchObject({ inEffect: 'copy', source: 'getsockopt' });
    expect(pick(rows, 'fillNeedWakeup')).toMatchObject({ inEffect: 'off', source: 'ring-flags' });
    expect(pick(rows, 'queueId')).toMatchObject({ inEffect: 'unknown' });
  });
});
