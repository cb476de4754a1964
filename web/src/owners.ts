import { create } from 'zustand';

/**
 * Every frame's owner per socket, as of the latest snapshot (the connection
 * decodes them from the binary frame). Canvases read the arrays in their
 * animation loop and compare `version`; nothing re-renders through React for
 * a frame that changed hands.
 */
interface OwnersState {
  owners: ReadonlyMap<string, Uint8Array>;
  version: number;
}

export const useOwners = create<OwnersState>()(() => ({ owners: new Map(), version: 0 }));

export function receiveOwners(owners: ReadonlyMap<string, Uint8Array>): void {
  useOwners.setState((s) => ({ owners, version: s.version + 1 }));
}
