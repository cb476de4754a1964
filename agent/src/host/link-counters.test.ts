import { describe, expect, it } from 'vitest';
import { queueCounters } from './link-counters.ts';

const read = (stats: Record<string, number>) =>
  queueCounters(
    Object.keys(stats),
    Object.values(stats).map((value) => BigInt(value)),
  );

describe('per-queue receive counters from ethtool -S names', () => {
  it('reads veth’s XDP-path counters, queue by queue', () => {
    expect(
      read({
        peer_ifindex: 2,
        rx_queue_0_xdp_packets: 10,
        rx_queue_0_xdp_bytes: 640,
        rx_queue_0_drops: 3,
        rx_queue_0_xdp_drops: 1,
        rx_queue_1_xdp_packets: 7,
        rx_queue_1_drops: 0,
        tx_queue_0_xdp_xmit: 99,
      }),
    ).toEqual([
      { frames: 10, drops: 3 },
      { frames: 7, drops: 0 },
    ]);
  });

  it('reads the names other drivers use, and fills queues they skip with zeros', () => {
    expect(read({ rx0_packets: 5, rx2_packets: 6 })).toEqual([
      { frames: 5, drops: 0 },
      { frames: 0, drops: 0 },
      { frames: 6, drops: 0 },
    ]);
    expect(read({ 'rx-0.packets': 4, 'rx-1.packets': 1 })).toEqual([
      { frames: 4, drops: 0 },
      { frames: 1, drops: 0 },
    ]);
  });

  it('prefers a plain counter over its xdp twin, whichever comes first', () => {
    expect(read({ rx_queue_0_xdp_packets: 1, rx_queue_0_packets: 50 })).toEqual([{ frames: 50, drops: 0 }]);
    expect(read({ rx_queue_0_packets: 50, rx_queue_0_xdp_packets: 1 })).toEqual([{ frames: 50, drops: 0 }]);
  });

  it('says null for a driver that counts nothing per queue', () => {
    expect(read({ rx_packets: 100, tx_packets: 3 })).toBeNull();
  });
});
