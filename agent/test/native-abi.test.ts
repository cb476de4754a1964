import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { wakeupTx } from '../src/native/libc.ts';
import {
  sizeAndOffsets,
  XDP_ADDR_SIZE,
  XDP_DESC_SIZE,
  XskRing,
  XskSocketConfig,
  XskUmemConfig,
} from '../src/native/structs.ts';
import * as uapi from '../src/native/uapi.ts';
import { describeKernel } from './kernel.ts';

/** Compiles a C program against the installed headers and runs it: the ground truth for our declarations. */
function fromC(body: string): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'ringside-abi-'));
  try {
    writeFileSync(
      join(dir, 'abi.c'),
      `#include <stdio.h>\n#include <stddef.h>\n#include <sys/socket.h>\n#include <linux/if_xdp.h>\n#include <linux/if_link.h>\n#include <xdp/xsk.h>\nint main(void) {\n${body}\nreturn 0; }\n`,
    );
    execFileSync('clang', ['-o', join(dir, 'abi'), join(dir, 'abi.c')], { stdio: 'pipe' });
    return JSON.parse(execFileSync(join(dir, 'abi'), { encoding: 'utf8' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function layoutInC(struct: string, fields: readonly string[]): string {
  const offsets = fields.map((field) => `"${field}": %zu`).join(', ');
  const args = fields.map((field) => `offsetof(struct ${struct}, ${field})`).join(', ');
  return `printf("{\\"size\\": %zu, \\"offsets\\": {${offsets.replaceAll('"', '\\"')}}}", sizeof(struct ${struct}), ${args});`;
}

const RING_FIELDS = ['cached_prod', 'cached_cons', 'mask', 'size', 'producer', 'consumer', 'ring', 'flags'] as const;
const UMEM_FIELDS = ['fill_size', 'comp_size', 'frame_size', 'frame_headroom', 'flags'] as const;
const SOCKET_FIELDS = ['rx_size', 'tx_size', 'libxdp_flags', 'xdp_flags', 'bind_flags'] as const;

describeKernel('koffi declarations match the C headers', () => {
  it('struct xsk_ring_prod / xsk_ring_cons', () => {
    expect(sizeAndOffsets(XskRing, RING_FIELDS)).toEqual(fromC(layoutInC('xsk_ring_prod', RING_FIELDS)));
    expect(sizeAndOffsets(XskRing, RING_FIELDS)).toEqual(fromC(layoutInC('xsk_ring_cons', RING_FIELDS)));
  });

  it('struct xsk_umem_config', () => {
    expect(sizeAndOffsets(XskUmemConfig, UMEM_FIELDS)).toEqual(fromC(layoutInC('xsk_umem_config', UMEM_FIELDS)));
  });

  it('struct xsk_socket_config', () => {
    expect(sizeAndOffsets(XskSocketConfig, SOCKET_FIELDS)).toEqual(
      fromC(layoutInC('xsk_socket_config', SOCKET_FIELDS)),
    );
  });

  it('ring entry sizes and the uapi constants Debian 12 headers also define', () => {
    expect({ desc: XDP_DESC_SIZE, addr: XDP_ADDR_SIZE }).toEqual(
      fromC('printf("{\\"desc\\": %zu, \\"addr\\": %zu}", sizeof(struct xdp_desc), sizeof(__u64));'),
    );
    const names = [
      'XDP_SHARED_UMEM',
      'XDP_COPY',
      'XDP_ZEROCOPY',
      'XDP_USE_NEED_WAKEUP',
      'XDP_UMEM_UNALIGNED_CHUNK_FLAG',
      'XDP_RING_NEED_WAKEUP',
      'XDP_STATISTICS',
      'XDP_OPTIONS',
      'XDP_OPTIONS_ZEROCOPY',
      'XSK_UNALIGNED_BUF_OFFSET_SHIFT',
      'XDP_FLAGS_SKB_MODE',
      'XDP_FLAGS_DRV_MODE',
      'XDP_MMAP_OFFSETS',
      'XDP_TX_RING',
      'SOL_SOCKET',
      'SO_BUSY_POLL',
      'SO_INCOMING_NAPI_ID',
      'SO_PREFER_BUSY_POLL',
      'SO_BUSY_POLL_BUDGET',
    ] as const;
    const body = `printf("{"); ${names.map((name, i) => `printf("${i ? ', ' : ''}\\"${name}\\": %d", (int)${name});`).join(' ')} printf("}");`;
    // biome-ignore lint/performance/noDynamicNamespaceImportAccess: comparing the constants by name is the point.
    expect(Object.fromEntries(names.map((name) => [name, uapi[name]]))).toEqual(fromC(body));
  });
});

describeKernel('errno read through a view of __errno_location', () => {
  it('a kick refused for good throws, naming what its own sendto set: no transient refusal is read in its place', () => {
    // A word read at the wrong address, or a stale one left by an earlier kick's EAGAIN, would pass these over.
    const file = openSync('/dev/null', 'r');
    try {
      expect(() => wakeupTx(file)).toThrow(/sendto \(TX wakeup\) failed: ENOTSOCK/);
    } finally {
      closeSync(file);
    }
    expect(() => wakeupTx(2 ** 30)).toThrow(/sendto \(TX wakeup\) failed: EBADF/);
  });
});
