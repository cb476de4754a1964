import type { UmemBlocks } from '../dataplane/control.ts';
import type { ApplicationSide, ObservationSource, SourceRings, UmemFrames } from './source.ts';

/**
 * Ringside's own UMEM as an observation source: the rings its sockets were
 * bound with, and the application side its data-plane worker writes into the
 * UMEM's shared blocks (they outlive any one worker).
 */
export class OwnUmemSource implements ObservationSource {
  readonly application: ApplicationSide;
  private readonly layout: UmemFrames;

  constructor(
    readonly id: string,
    frameSize: number,
    frameCount: number,
    blocks: UmemBlocks,
    private readonly current: () => SourceRings,
  ) {
    this.application = { ledger: new Uint8Array(blocks.ledger), control: new Int32Array(blocks.control) };
    this.layout = { count: frameCount, chunkSize: frameSize };
  }

  frames(): UmemFrames {
    return this.layout;
  }

  rings(): SourceRings {
    return this.current();
  }
}
