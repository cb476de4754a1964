import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { probeKernelLimits } from '../src/host/kernel-limits.ts';
import { tryUmemRegistration } from '../src/native/umem-probe.ts';
import { describeKernel } from './kernel.ts';

const aligned = (chunkSize: number, headroom = 0) =>
  tryUmemRegistration({ chunkSize, headroom, unaligned: false, frames: 4 });
const unaligned = (chunkSize: number, headroom = 0) =>
  tryUmemRegistration({ chunkSize, headroom, unaligned: true, frames: 4 });

describeKernel('kernel limits, found by XDP_UMEM_REG trials', () => {
  it('probes quickly, once per process', () => {
    const limits = probeKernelLimits();
    console.info(`kernel limits: ${JSON.stringify(limits)}`);
    expect(limits.probe.trials).toBeLessThan(300);
    expect(limits.probe.milliseconds).toBeLessThan(2000);
    expect(probeKernelLimits()).toBe(limits);
  });

  it('reads the page size the kernel uses', () => {
    expect(probeKernelLimits().pageSize).toBe(Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' })));
  });

  it('accepts 2048 and 4096 as aligned chunk sizes, and lists only sizes a fresh trial accepts', () => {
    const { alignedChunkSizes } = probeKernelLimits();
    expect(alignedChunkSizes).toEqual(expect.arrayContaining([2048, 4096]));
    for (let size = 512; size <= 65536; size *= 2) {
      expect(aligned(size).ok, `aligned chunk ${size}`).toBe(alignedChunkSizes.includes(size));
    }
  });

  it('accepts the probed headroom limit of every aligned size and refuses one byte more with EINVAL', () => {
    const { alignedChunkSizes, maxHeadroom } = probeKernelLimits();
    for (const size of alignedChunkSizes) {
      const limit = maxHeadroom[size];
      expect(limit, `headroom limit for ${size}`).toBeDefined();
      expect(aligned(size, limit ?? 0), `headroom ${limit} in ${size}`).toEqual({ ok: true });
      expect(aligned(size, (limit ?? 0) + 1), `headroom ${(limit ?? 0) + 1} in ${size}`).toEqual({
        ok: false,
        code: 'EINVAL',
      });
    }
  });

  it('refuses a chunk size that is not a power of two in aligned mode, and takes it unaligned', () => {
    expect(aligned(3000)).toEqual({ ok: false, code: 'EINVAL' });
    expect(unaligned(3000)).toEqual({ ok: true });
  });

  it('finds the edges of the unaligned range: inside accepted, one step outside refused', () => {
    const { min, max } = probeKernelLimits().unalignedChunkRange;
    expect(min).toBeGreaterThan(0);
    expect(max).toBeGreaterThanOrEqual(min);
    expect(unaligned(min)).toEqual({ ok: true });
    expect(unaligned(max)).toEqual({ ok: true });
    expect(unaligned(min - 1)).toEqual({ ok: false, code: 'EINVAL' });
    expect(unaligned(max + 1)).toEqual({ ok: false, code: 'EINVAL' });
  });
});
