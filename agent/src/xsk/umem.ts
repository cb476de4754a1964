import type { UmemConfig } from '@ringside/shared';
import { NativeError } from '../native/errors.ts';
import { mapAnonymous, pointerAt, unmap, viewAt } from '../native/libc.ts';
import { createUmem, deleteUmem, type NativeUmem, type RingLayout } from '../native/libxdp.ts';
import { inNetworkNamespace } from '../native/netns.ts';
import { registerWithTxMetadata } from '../native/tx-metadata-umem.ts';
import { XDP_UMEM_UNALIGNED_CHUNK_FLAG } from '../native/uapi.ts';
import { explainUmemError } from './explain.ts';

/** A refusal that says what to change; the message is meant for the user. */
export class XskConfigError extends Error {
  override readonly name = 'XskConfigError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * A UMEM: memory this process mapped, registered with the kernel through
 * XDP_UMEM_REG (with TX metadata when asked), with its FILL and COMPLETION
 * rings. Frames are laid out at multiples of the frame size in both aligned
 * and unaligned mode, so frame `i` starts at address `i * frameSize`.
 */
export class Umem {
  readonly address: number;
  readonly length: number;
  private native: NativeUmem | null;

  private constructor(
    readonly config: UmemConfig,
    readonly namespacePath: string | null,
    address: number,
    native: NativeUmem,
  ) {
    this.address = address;
    this.length = config.frameCount * config.frameSize;
    this.native = native;
  }

  /**
   * libxdp opens the UMEM's socket here, and the first socket created on the
   * UMEM is that very socket: it belongs to the namespace it was opened in, and
   * bind() resolves the interface there. So a UMEM is created in the network
   * namespace of the interface its first socket binds to, never elsewhere.
   */
  static create(config: UmemConfig, namespacePath: string | null): Umem {
    const length = config.frameCount * config.frameSize;
    const address = mapAnonymous(length);
    const { txMetadata } = config;
    try {
      const native = inNetworkNamespace(namespacePath, () => {
        const created = createUmem({
          area: pointerAt(address),
          size: length,
          fillSize: config.fillSize,
          completionSize: config.completionSize,
          frameSize: config.frameSize,
          headroom: config.headroom,
          flags: config.unaligned ? XDP_UMEM_UNALIGNED_CHUNK_FLAG : 0,
        });
        if (!txMetadata) return created;
        try {
          registerWithTxMetadata(created, {
            area: address,
            size: length,
            layout: {
              chunkSize: config.frameSize,
              headroom: config.headroom,
              unaligned: config.unaligned,
              txMetadataLength: txMetadata.length,
              swChecksum: txMetadata.swChecksum,
            },
            fillSize: config.fillSize,
            completionSize: config.completionSize,
          });
        } catch (error) {
          deleteUmem(created);
          throw error;
        }
        return created;
      });
      return new Umem(config, namespacePath, address, native);
    } catch (error) {
      unmap(address, length);
      if (error instanceof NativeError) {
        // A refusal that already says what to change (the TX metadata registration's) keeps its words.
        const explanation = error.hint ?? explainUmemError(error.code);
        throw new XskConfigError(
          `UMEM registration refused (${error.code}): ${explanation ?? error.message}`,
          error.code,
        );
      }
      throw error;
    }
  }

  /** For xsk/socket.ts: the native handle sockets bind to. */
  get handle(): NativeUmem {
    if (!this.native) throw new Error('UMEM already destroyed');
    return this.native;
  }

  get fillLayout(): RingLayout {
    return this.handle.fill.layout();
  }

  get completionLayout(): RingLayout {
    return this.handle.completion.layout();
  }

  /** A copy of frame `frame`'s chunk, as it is now. */
  frameBytes(frame: number): Uint8Array {
    if (!this.native) throw new Error('UMEM already destroyed');
    const { frameSize } = this.config;
    return new Uint8Array(viewAt(this.address + frame * frameSize, frameSize)).slice();
  }

  /** Frees the UMEM once no socket uses it. */
  destroy(): void {
    if (!this.native) return;
    deleteUmem(this.native);
    this.native = null;
    unmap(this.address, this.length);
  }
}
