import { describe, expect, it } from 'vitest';
import type { InterfaceInfo } from './facts.ts';
import { SocketRequest, UmemConfig } from './protocol.ts';
import {
  checksumRequest,
  completionStamped,
  describeCompletionStamps,
  readTxMetadata,
  TXONLY_CHECKSUM_REQUEST,
  type TxMetadataSupport,
  txDataRoom,
  txMetadataLengthProblems,
  txMetadataRequestUnavailable,
  validateTxMetadata,
  validateTxMetadataRequests,
  whoComputesTheChecksum,
} from './tx-metadata.ts';

const UMEM: UmemConfig = {
  frameCount: 64,
  frameSize: 2048,
  headroom: 0,
  fillSize: 64,
  completionSize: 64,
  unaligned: false,
};
/** What the probe found on Linux 6.18. */
const SUPPORTED: TxMetadataSupport = {
  available: true,
  refusal: null,
  minLength: 16,
  step: 8,
  maxLength: 248,
  swChecksum: { available: true, refusal: null },
};
const REFUSED = 'EINVAL (XDP_UMEM_REG refused tx_metadata_len)';

const check = (txMetadata: UmemConfig['txMetadata'], support: TxMetadataSupport | undefined = SUPPORTED) =>
  validateTxMetadata({ ...UMEM, ...(txMetadata ? { txMetadata } : {}) }, support, '6.6.0');

describe('TX metadata checked against what the kernel took at start', () => {
  it('takes a UMEM without metadata anywhere, and lengths the kernel accepts', () => {
    expect(check(undefined, { ...SUPPORTED, available: false })).toEqual([]);
    for (const length of [16, 24, 248]) expect(check({ length, swChecksum: true })).toEqual([]);
  });

  it('refuses a length outside the probed ones, naming them', () => {
    for (const length of [8, 20, 256]) {
      expect(check({ length, swChecksum: false })).toEqual([
        {
          field: 'txMetadataLength',
          message: `tx_metadata_len ${length} is not one this kernel accepts (probed at start): from 16 to 248 in steps of 8`,
        },
      ]);
    }
  });

  it('takes any length the kernel takes: room for what txonly writes there is txMetadataLengthProblems', () => {
    expect(check({ length: 8, swChecksum: false }, { ...SUPPORTED, minLength: 8 })).toEqual([]);
  });

  it('on a kernel without it, names the option, the release that brought it, and the refusal', () => {
    const without: TxMetadataSupport = {
      available: false,
      refusal: REFUSED,
      minLength: 0,
      step: 0,
      maxLength: 0,
      swChecksum: { available: false, refusal: REFUSED },
    };
    expect(check({ length: 16, swChecksum: true }, without)).toEqual([
      {
        field: 'txMetadataLength',
        message: `TX metadata (tx_metadata_len) came in Linux 6.8; this kernel (6.6.0) refused it: ${REFUSED}: leave txMetadata out`,
      },
    ]);
    const noSoftwareChecksum = { ...SUPPORTED, swChecksum: { available: false, refusal: 'EINVAL' } };
    expect(check({ length: 16, swChecksum: true }, noSoftwareChecksum)).toEqual([
      {
        field: 'swChecksum',
        message:
          'the software checksum (XDP_UMEM_TX_SW_CSUM) came in Linux 6.8; this kernel (6.6.0) refused it: EINVAL: turn swChecksum off',
      },
    ]);
    expect(check({ length: 16, swChecksum: false }, noSoftwareChecksum)).toEqual([]);
  });

  it('is optional in the protocol: a UMEM from before 2.4 still parses, and one with it keeps it', () => {
    expect(UmemConfig.parse(UMEM)).toEqual(UMEM);
    const withMetadata = { ...UMEM, txMetadata: { length: 16, swChecksum: true } };
    expect(UmemConfig.parse(withMetadata)).toEqual(withMetadata);
    expect(UmemConfig.safeParse({ ...UMEM, txMetadata: { length: 16 } }).success).toBe(false);
  });

  it('leaves a TX frame the chunk less its metadata', () => {
    expect(txDataRoom(UMEM)).toBe(2048);
    expect(txDataRoom({ ...UMEM, txMetadata: { length: 24, swChecksum: true } })).toBe(2024);
  });
});

describe('who fills in a requested checksum', () => {
  const none = { txChecksum: false, txTimestamp: false, txLaunchTime: false };
  it('is the kernel with the software checksum, whatever the device offers', () => {
    expect(whoComputesTheChecksum(true, { name: 'veth0', xsk: none })).toBe(
      'the kernel computes each requested checksum itself in copy mode (skb_checksum_help)',
    );
  });

  it('is the device otherwise: veth offers nothing, so the checksum stays unfinished', () => {
    expect(whoComputesTheChecksum(false, { name: 'veth0', xsk: none })).toBe(
      'the request is left to veth0, whose xsk-features offer none: the checksum leaves as the pseudo-header sum',
    );
    expect(whoComputesTheChecksum(false, { name: 'eth1', xsk: { ...none, txChecksum: true, txTimestamp: true } })).toBe(
      'the request is left to eth1, whose xsk-features offer checksum, TX timestamp',
    );
    expect(whoComputesTheChecksum(false, { name: 'eth1', xsk: null })).toBe(
      'the request is left to eth1, whose kernel reports no xsk-features (before 6.8)',
    );
  });
});

describe('reading struct xsk_tx_metadata in front of a frame', () => {
  const chunk = (flags: bigint, length: number) => {
    const bytes = new Uint8Array(128);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(64 - length, flags, true);
    view.setUint16(64 - length + 8, 34, true);
    view.setUint16(64 - length + 10, 6, true);
    view.setBigUint64(64 - length + 16, 123_456_789n, true);
    return bytes;
  };

  it('decodes the flags, the checksum request and the launch time where the length holds it', () => {
    expect(readTxMetadata(chunk(0b110n, 24), 64, 24, TXONLY_CHECKSUM_REQUEST)).toEqual({
      at: 40,
      length: 24,
      flags: ['checksum', 'launchTime'],
      unknownFlags: 0,
      checksum: { start: 34, offset: 6, field: 104 },
      launchTime: 123_456_789n,
      txTimestamp: null,
      stamped: null,
    });
    expect(readTxMetadata(chunk(0b100n, 16), 64, 16, TXONLY_CHECKSUM_REQUEST)?.launchTime).toBeNull();
  });

  it('names bits the kernel would refuse, and reads nothing where the frame leaves no room', () => {
    expect(readTxMetadata(chunk(0x11n, 16), 64, 16, TXONLY_CHECKSUM_REQUEST)).toMatchObject({
      flags: ['timestamp'],
      unknownFlags: 0x10,
      checksum: null,
    });
    expect(readTxMetadata(new Uint8Array(64), 8, 16, TXONLY_CHECKSUM_REQUEST)).toBeNull();
  });
});

describe('the completion timestamp and launch time txonly may ask of each frame', () => {
  const xsk = { txChecksum: false, txTimestamp: false, txLaunchTime: false };
  const features = {
    basic: true,
    redirect: true,
    ndoXmit: true,
    xskZeroCopy: false,
    hwOffload: false,
    rxSg: true,
    ndoXmitSg: true,
    zeroCopyMaxSegments: 0,
  };
  const veth: Pick<InterfaceInfo, 'name' | 'driver' | 'xdpFeatures'> = {
    name: 'veth0',
    driver: 'veth',
    xdpFeatures: { ...features, xsk },
  };
  const igc: typeof veth = {
    name: 'eth1',
    driver: 'igc',
    xdpFeatures: { ...features, xsk: { ...xsk, txTimestamp: true, txLaunchTime: true } },
  };
  const asking = (
    requests: { timestamp: boolean; launchTimeOffsetNs: number | null },
    length: number | null = 24,
    workload: SocketRequest['workload'] = 'txonly',
  ) => ({
    umem: { ...UMEM, ...(length === null ? {} : { txMetadata: { length, swChecksum: true } }) },
    workload,
    txMetadataRequests: requests,
  });
  const both = { timestamp: true, launchTimeOffsetNs: 50_000 };

  it("takes both where the interface's xsk-features offer them, and nothing asked anywhere", () => {
    expect(validateTxMetadataRequests(asking(both), igc, '6.18.0')).toEqual([]);
    expect(
      validateTxMetadataRequests(asking({ timestamp: false, launchTimeOffsetNs: null }, null), veth, '6.6.0'),
    ).toEqual([]);
    expect(validateTxMetadataRequests({ umem: UMEM, workload: 'rxdrop' }, veth, '6.18.0')).toEqual([]);
  });

  it('refuses both on veth, naming the missing xsk-feature, the interface and the drivers that offer it', () => {
    expect(validateTxMetadataRequests(asking(both), veth, '6.18.0')).toEqual([
      {
        field: 'txTimestamp',
        message:
          'veth0 (veth) offers no tx-timestamp in its xsk-features: the completion timestamp (XDP_TXMD_FLAGS_TIMESTAMP) needs a driver that does, such as mlx5, stmmac or igc: leave it out, or let the kernel answer (checks: kernel)',
      },
      {
        field: 'launchTimeOffsetNs',
        message:
          'veth0 (veth) offers no tx-launch-time in its xsk-features: the launch time (XDP_TXMD_FLAGS_LAUNCH_TIME) needs a driver that does, such as stmmac or igc: leave it out, or let the kernel answer (checks: kernel)',
      },
    ]);
  });

  it('refuses the launch time on a kernel before 6.15, by its release', () => {
    expect(txMetadataRequestUnavailable('launchTime', igc, '6.14.2')).toBe(
      'the launch time (XDP_TXMD_FLAGS_LAUNCH_TIME) came in Linux 6.15; this kernel is 6.14.2',
    );
    expect(txMetadataRequestUnavailable('launchTime', igc, '6.15.0')).toBeNull();
    expect(txMetadataRequestUnavailable('timestamp', igc, '6.8.0')).toBeNull();
  });

  it('asks for a UMEM with metadata at all, and for txonly, leaving its length to txMetadataLengthProblems', () => {
    expect(validateTxMetadataRequests(asking(both, 16), igc, '6.18.0')).toEqual([]);
    expect(
      validateTxMetadataRequests(asking({ timestamp: true, launchTimeOffsetNs: null }, null), igc, '6.18.0'),
    ).toEqual([
      {
        field: 'txTimestamp',
        message:
          'the completion timestamp (XDP_TXMD_FLAGS_TIMESTAMP) rides in TX metadata: give the UMEM txMetadata (tx_metadata_len 16 or more)',
      },
    ]);
    expect(validateTxMetadataRequests(asking({ timestamp: false, launchTimeOffsetNs: 1 }, 0), igc, '6.18.0')).toEqual([
      {
        field: 'launchTimeOffsetNs',
        message:
          'the launch time (XDP_TXMD_FLAGS_LAUNCH_TIME) rides in TX metadata: give the UMEM txMetadata (tx_metadata_len 24 or more)',
      },
    ]);
    expect(
      validateTxMetadataRequests(asking({ timestamp: true, launchTimeOffsetNs: null }, 24, 'l2fwd'), igc, '6.18.0'),
    ).toEqual([
      {
        field: 'txTimestamp',
        message:
          "only txonly writes each frame's metadata: choose txonly, or leave the completion timestamp (XDP_TXMD_FLAGS_TIMESTAMP) out",
      },
    ]);
  });

  it("refuses, as txonly's own limit, metadata too short for what txonly writes there: launch_time past 16 bytes would land in the frame", () => {
    expect(txMetadataLengthProblems(asking(both, 16))).toEqual([
      {
        field: 'launchTimeOffsetNs',
        message:
          'txonly writes launch_time up to byte 24 of struct xsk_tx_metadata, past tx_metadata_len 16: it would overwrite the frame itself, whatever the checks. Set tx_metadata_len to 24',
      },
    ]);
    expect(txMetadataLengthProblems(asking({ timestamp: true, launchTimeOffsetNs: null }, 8))).toEqual([
      {
        field: 'txMetadataLength',
        message:
          'txonly writes the checksum request up to byte 16 of struct xsk_tx_metadata, past tx_metadata_len 8: it would overwrite the frame itself, whatever the checks. Set tx_metadata_len to 16',
      },
    ]);
    expect(txMetadataLengthProblems(asking(both, 24))).toEqual([]);
    expect(txMetadataLengthProblems(asking({ timestamp: true, launchTimeOffsetNs: null }, 16))).toEqual([]);
    expect(txMetadataLengthProblems(asking(both, 16, 'l2fwd'))).toEqual([]);
    expect(txMetadataLengthProblems(asking(both, null))).toEqual([]);
  });

  it('says each field once, with the length that fixes it, and nothing of a workload that writes no metadata', () => {
    expect(txMetadataLengthProblems(asking(both, 8)).map(({ field, message }) => [field, message.slice(-25)])).toEqual([
      ['txMetadataLength', 'Set tx_metadata_len to 16'],
      ['launchTimeOffsetNs', 'Set tx_metadata_len to 24'],
    ]);
    // The checksum request alone reaches byte 16: txonly writes it whatever is asked.
    expect(txMetadataLengthProblems(asking({ timestamp: false, launchTimeOffsetNs: null }, 8))).toHaveLength(1);
    expect(txMetadataLengthProblems(asking(both, 8, 'rxdrop'))).toEqual([]);
    // No length: txonly writes no metadata and marks no descriptor.
    expect(txMetadataLengthProblems(asking(both, 0))).toEqual([]);
  });

  it('is optional in the protocol: a request from before it still parses, and one with it keeps it', () => {
    const request = {
      umem: UMEM,
      socket: {
        ifname: 'veth0',
        queueId: 0,
        rxSize: 0,
        txSize: 64,
        xdpMode: 'skb',
        copy: true,
        zeroCopy: false,
        needWakeup: true,
        batchSize: 16,
      },
      workload: 'txonly',
    } as const;
    expect(SocketRequest.parse(request)).toEqual(request);
    expect(SocketRequest.parse({ ...request, txMetadataRequests: both }).txMetadataRequests).toEqual(both);
    expect(
      SocketRequest.safeParse({ ...request, txMetadataRequests: { timestamp: true, launchTimeOffsetNs: 2e9 } }).success,
    ).toBe(false);
  });

  it('reads completion.tx_timestamp where the checksum request was, once a stamp is asked for', () => {
    const bytes = new Uint8Array(64);
    const view = new DataView(bytes.buffer);
    const read = () => readTxMetadata(bytes, 32, 24, TXONLY_CHECKSUM_REQUEST);
    view.setBigUint64(8, 3n, true); // XDP_TXMD_FLAGS_TIMESTAMP | _CHECKSUM
    view.setBigUint64(16, 1_765_000_000_123_456_789n, true);
    expect(read()).toMatchObject({ txTimestamp: 1_765_000_000_123_456_789n, stamped: true });
    // A device clock 1 µs after it started: under 2^32 ns, still a stamp.
    view.setBigUint64(16, 1_000n, true);
    expect(read()).toMatchObject({ txTimestamp: 1_000n, stamped: true });
    // The checksum request still there (csum_start 34, csum_offset 6, padding 0): not stamped.
    view.setBigUint64(16, 34n | (6n << 16n), true);
    expect(read()).toMatchObject({ txTimestamp: 34n | (6n << 16n), stamped: false });
    view.setBigUint64(8, 2n, true);
    expect(read()?.txTimestamp).toBeNull();
  });
});

describe('a completion stamp told from the request it overwrote', () => {
  it('takes any word but the request its sender wrote as a stamp, however small', () => {
    for (const stamp of [1n, 1_000n, 0xffff_ffffn, 1n << 32n, 1_765_000_000_123_456_789n]) {
      expect(completionStamped(stamp, TXONLY_CHECKSUM_REQUEST)).toBe(true);
    }
    // A stamp whose low 32 bits read as the request is a stamp all the same.
    expect(completionStamped((1n << 32n) | 34n | (6n << 16n), TXONLY_CHECKSUM_REQUEST)).toBe(true);
  });

  it('takes the request untouched, csum_start, csum_offset and zero padding, as no stamp', () => {
    expect(completionStamped(34n | (6n << 16n), TXONLY_CHECKSUM_REQUEST)).toBe(false);
    // Another sender's request is its own: csum_offset 16 is TCP's checksum.
    expect(completionStamped(34n | (16n << 16n), checksumRequest(34, 16))).toBe(false);
    expect(completionStamped(0xffff_ffffn, checksumRequest(0xffff, 0xffff))).toBe(false);
  });
});

describe('what the page says of the completion stamps that came back', () => {
  const veth = { name: 'veth0', xsk: { txTimestamp: false } };
  it("names copy mode's software stamp on veth, which offers none", () => {
    expect(describeCompletionStamps({ asked: 5, stamped: 5, last: '1796571208974571743' }, veth, false)).toBe(
      "5 of 5 frame(s) back on COMPLETION stamped, the last at 1796571208974571743 ns (CLOCK_TAI); copy mode's kernel stamps them itself, in software, as it frees each frame's skb: veth0 offers no tx-timestamp",
    );
  });

  it("says no stamp where none came back, and the device's where it offers them in zero-copy", () => {
    expect(describeCompletionStamps({ asked: 3, stamped: 0, last: null }, veth, false)).toBe(
      'no stamp yet on 3 frame(s) back on COMPLETION: veth0 offers no tx-timestamp',
    );
    expect(
      describeCompletionStamps({ asked: 1, stamped: 1, last: '7' }, { name: 'eth1', xsk: { txTimestamp: true } }, true),
    ).toBe(
      "1 of 1 frame(s) back on COMPLETION stamped, the last at 7 ns (the device's PTP hardware clock); the device stamps them",
    );
  });

  it("in zero-copy names the driver and its clock, never copy mode's kernel, where the device offers no tx-timestamp", () => {
    expect(describeCompletionStamps({ asked: 2, stamped: 2, last: '9' }, veth, true)).toBe(
      "2 of 2 frame(s) back on COMPLETION stamped, the last at 9 ns (the device's PTP hardware clock); in zero-copy no skb is freed for the kernel to stamp, so the driver does, though veth0 offers no tx-timestamp",
    );
  });
});
