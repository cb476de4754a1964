import { describe, expect, it } from 'vitest';
import { decodeRxMetadata, judgeRxMetadataSupport } from './rx-metadata.ts';

/** sizeof(struct ringside_rx_metadata) in bpf/rx_metadata.c, the layout written below. */
const STRUCT_SIZE = 32;

/** A chunk with struct ringside_rx_metadata written as bpf/rx_metadata.c writes it, just before `dataOffset`. */
function chunkWith(
  dataOffset: number,
  fields: Partial<{
    magic: number;
    version: number;
    valid: number;
    results: [number, number, number];
    vlanProto: number;
    vlanTci: number;
    hash: number;
    hashType: number;
    timestamp: bigint;
  }>,
): Uint8Array {
  const chunk = new Uint8Array(2048);
  const view = new DataView(chunk.buffer, dataOffset - STRUCT_SIZE, STRUCT_SIZE);
  view.setUint16(0, fields.magic ?? 0x5258, true);
  view.setUint8(2, fields.version ?? 1);
  view.setUint8(3, fields.valid ?? 0);
  const [timestamp, hash, vlan] = fields.results ?? [0, 0, 0];
  view.setInt16(4, timestamp, true);
  view.setInt16(6, hash, true);
  view.setInt16(8, vlan, true);
  view.setUint16(10, fields.vlanProto ?? 0, false);
  view.setUint16(12, fields.vlanTci ?? 0, true);
  view.setUint32(16, fields.hash ?? 0, true);
  view.setUint32(20, fields.hashType ?? 0, true);
  view.setBigUint64(24, fields.timestamp ?? 0n, true);
  return chunk;
}

describe('decodeRxMetadata', () => {
  it('reads each valid kfunc answer from the 32 bytes before the data', () => {
    const chunk = chunkWith(256, {
      valid: 0b111,
      vlanProto: 0x8100,
      vlanTci: (5 << 13) | 0x1000 | 42,
      hash: 0xdeadbeef,
      hashType: 0b101001, // L3_IPV4 | L4 | L4_UDP
      timestamp: 1_700_000_000_123_456_789n,
    });
    expect(decodeRxMetadata(chunk, 256)).toEqual({
      timestamp: { ok: true, value: 1_700_000_000_123_456_789n },
      hash: { ok: true, value: { hash: 0xdeadbeef, type: 0b101001, typeBits: ['L3_IPV4', 'L4', 'L4_UDP'] } },
      vlanTag: { ok: true, value: { proto: 0x8100, tci: 0xb02a, id: 42, priority: 5, dropEligible: true } },
    });
  });

  it("names the errno a kfunc returned instead of a value: veth's ENODATA for a frame without a VLAN tag, EOPNOTSUPP for a driver without the op", () => {
    const chunk = chunkWith(512, { valid: 0b010, results: [-95, 0, -61], hash: 7, hashType: 8 });
    const metadata = decodeRxMetadata(chunk, 512);
    expect(metadata?.timestamp).toEqual({ ok: false, error: 'EOPNOTSUPP' });
    expect(metadata?.hash).toEqual({ ok: true, value: { hash: 7, type: 8, typeBits: ['L4'] } });
    expect(metadata?.vlanTag).toEqual({ ok: false, error: 'ENODATA' });
  });

  it("finds nothing where another program (or none) left the chunk's old bytes: no magic, another version, or no room before the data", () => {
    expect(decodeRxMetadata(new Uint8Array(2048), 256)).toBeNull();
    expect(decodeRxMetadata(chunkWith(256, { magic: 0x1234, valid: 7 }), 256)).toBeNull();
    expect(decodeRxMetadata(chunkWith(256, { version: 2, valid: 7 }), 256)).toBeNull();
    expect(decodeRxMetadata(new Uint8Array(2048), 16)).toBeNull();
    expect(decodeRxMetadata(new Uint8Array(64), 256)).toBeNull();
  });

  it('reads a chunk that is a view into a larger UMEM at its own offset', () => {
    const umem = new Uint8Array(4096);
    umem.set(chunkWith(256, { valid: 0b010, hash: 99 }), 2048);
    expect(decodeRxMetadata(umem.subarray(2048), 256)?.hash).toMatchObject({ ok: true, value: { hash: 99 } });
  });
});

describe('judgeRxMetadataSupport', () => {
  const all = { timestamp: true, hash: true, vlanTag: true };
  const kernel = { kfuncs: all, adjustMeta: true };

  it('offers the program when the kernel has every kfunc, and says which interface lacks which', () => {
    const support = judgeRxMetadataSupport(kernel, [
      { ifname: 'veth0', offered: all },
      { ifname: 'lo', offered: { timestamp: false, hash: false, vlanTag: false } },
      { ifname: 'old0', offered: null },
    ]);
    expect(support.program).toEqual({ available: true, reason: null });
    const hash = support.kfuncs.find((entry) => entry.field === 'hash');
    expect(hash?.interfaces).toEqual([
      { ifname: 'veth0', offered: true },
      { ifname: 'lo', offered: false },
      { ifname: 'old0', offered: null },
    ]);
    expect(hash?.reason).toContain('lo does not implement bpf_xdp_metadata_rx_hash');
  });

  it('greys the program out on a kernel without a kfunc, naming it and the release that brought it', () => {
    const support = judgeRxMetadataSupport({ ...kernel, kfuncs: { ...all, vlanTag: false } }, [
      { ifname: 'veth0', offered: null },
    ]);
    expect(support.program.available).toBe(false);
    expect(support.program.reason).toContain('bpf_xdp_metadata_rx_vlan_tag (Linux 6.8)');
    expect(support.program.reason).not.toContain('bpf_xdp_adjust_meta');
    expect(support.kfuncs.find((entry) => entry.field === 'vlanTag')?.reason).toContain('came in Linux 6.8');
    expect(support.kfuncs.find((entry) => entry.field === 'timestamp')?.reason).toBeNull();
  });

  it('greys the program out where the verifier refuses bpf_xdp_adjust_meta, though every kfunc is there', () => {
    const support = judgeRxMetadataSupport({ ...kernel, adjustMeta: false }, [{ ifname: 'veth0', offered: all }]);
    expect(support.program.available).toBe(false);
    expect(support.program.reason).toMatch(
      /needs bpf_xdp_adjust_meta .* this kernel's verifier refuses that helper to XDP programs/,
    );
    expect(support.program.reason).toMatch(/choose another program$/);
    // The kfuncs themselves are there: each says so.
    expect(support.kfuncs.every((entry) => entry.kernel && entry.reason === null)).toBe(true);
  });

  it('names both when the kernel lacks a kfunc and refuses the helper', () => {
    const support = judgeRxMetadataSupport({ kfuncs: { ...all, hash: false }, adjustMeta: false }, []);
    expect(support.program.reason).toMatch(
      /bpf_xdp_metadata_rx_hash \(Linux 6\.3\), which this kernel lacks; it also needs bpf_xdp_adjust_meta/,
    );
  });
});
