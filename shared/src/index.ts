export * from './protocol.ts';
export * from './rings.ts';
