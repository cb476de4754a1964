export * from './addresses.ts';
export * from './defaults.ts';
export * from './facts.ts';
export * from './ledger.ts';
export * from './protocol.ts';
export * from './rings.ts';
export * from './snapshot-codec.ts';
export * from './validation.ts';
