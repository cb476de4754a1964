import { describe, expect, it } from 'vitest';
import { kernelFactRows } from './kernel-view.ts';
import { labSocket } from './test-fixtures.ts';

describe('requested beside in effect', () => {
  it('shows each ring’s candidates, and none where the kernel mapped none', () => {
    const info = labSocket('xsk0', 0);
    info.kernel.rings.rx = { candidates: [32, 64, 128], exact: false, present: true, source: 'mmap-probe' };
    const rows = kernelFactRows(info);
    expect(rows.find((row) => row.key === 'rings.rx')).toMatchObject({
      requested: '2048',
      inEffect: '32 or 64 or 128',
      source: 'mmap-probe',
      note: 'the mapping is page-granular: any of these counts fits it',
    });
    expect(rows.find((row) => row.key === 'rings.tx')).toMatchObject({ inEffect: 'none' });
  });

  it('says unknown for what the kernel has not shown yet, with its note', () => {
    const row = kernelFactRows(labSocket('xsk0', 0)).find((entry) => entry.key === 'chunkSize');
    expect(row).toMatchObject({
      requested: '4096',
      inEffect: 'unknown',
      source: 'unknown',
      note: 'no frame received yet',
    });
  });

  it('words flags and modes as the request does, so equal means equal', () => {
    const rows = kernelFactRows(labSocket('xsk0', 0));
    const pick = (key: string) => rows.find((row) => row.key === key);
    expect(pick('xdpMode')).toMatchObject({ requested: 'drv', inEffect: 'drv', source: 'netlink' });
    expect(pick('txNeedWakeup')).toMatchObject({ requested: 'on', inEffect: 'on', source: 'ring-flags' });
    expect(pick('zeroCopy')).toMatchObject({ inEffect: 'copy', source: 'getsockopt' });
    expect(pick('batchSize')).toMatchObject({ inEffect: 'not the kernel’s', source: 'ringside' });
  });
});
