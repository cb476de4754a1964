import type { UmemBlocks } from '../dataplane/control.ts';
import type { ApplicationSide, ObservationSource, SourceRings } from './source.ts';

/**
 * Ringside's own UMEM as an observation source: the rings its sockets were
 * bound with, and the application side its data-plane worker writes into the
 * UMEM's shared blocks (they outlive any one worker).
 */
export class OwnUmemSource implements ObservationSource {
  readonly application: ApplicationSide;

  constructor(
    readonly id: string,
    readonly frameSize: number,
    readonly frameCount: number,
    blocks: UmemBlocks,
    private readonly current: () => SourceRings,
  ) {
    this.application = { ledger: new Uint8Array(blocks.ledger), control: new Int32Array(blocks.control) };
  }

  rings(): SourceRings {
    return this.current();
  }
}
