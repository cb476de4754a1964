import { describe, expect, it } from 'vitest';
import { UmemConfig } from './protocol.ts';
import {
  readTxMetadata,
  type TxMetadataSupport,
  txDataRoom,
  validateTxMetadata,
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

  it('asks for room for the checksum request where the kernel takes shorter metadata', () => {
    expect(check({ length: 8, swChecksum: false }, { ...SUPPORTED, minLength: 8 })).toEqual([
      {
        field: 'txMetadataLength',
        message:
          'the checksum request needs 16 bytes of metadata (flags, csum_start, csum_offset): set tx_metadata_len to 16',
      },
    ]);
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
    expect(readTxMetadata(chunk(0b110n, 24), 64, 24)).toEqual({
      at: 40,
      length: 24,
      flags: ['checksum', 'launchTime'],
      unknownFlags: 0,
      checksum: { start: 34, offset: 6, field: 104 },
      launchTime: 123_456_789n,
    });
    expect(readTxMetadata(chunk(0b100n, 16), 64, 16)?.launchTime).toBeNull();
  });

  it('names bits the kernel would refuse, and reads nothing where the frame leaves no room', () => {
    expect(readTxMetadata(chunk(0x11n, 16), 64, 16)).toMatchObject({
      flags: ['timestamp'],
      unknownFlags: 0x10,
      checksum: null,
    });
    expect(readTxMetadata(new Uint8Array(64), 8, 16)).toBeNull();
  });
});
