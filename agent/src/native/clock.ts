import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
// man 2 clock_gettime: struct timespec { time_t tv_sec; long tv_nsec; }, two 64-bit words on Linux's 64-bit ABIs.
const clockGettime = libc.func('int clock_gettime(int clockid, _Out_ int64_t *ts)');
// include/uapi/linux/time.h: International Atomic Time, the clock launch_time and copy mode's completion stamps use.
const CLOCK_TAI = 11;

const timespec = new BigInt64Array(2);

/** CLOCK_TAI now, in ns: the time base of XDP_TXMD_FLAGS_LAUNCH_TIME and of the kernel's software TX stamps. */
export function taiNowNs(): bigint {
  if ((clockGettime(CLOCK_TAI, timespec) as number) !== 0) throw new Error('clock_gettime(CLOCK_TAI) failed');
  return (timespec[0] as bigint) * 1_000_000_000n + (timespec[1] as bigint);
}
