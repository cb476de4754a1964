export * from './ledger.ts';
export * from './protocol.ts';
export * from './rings.ts';
