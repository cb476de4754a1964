// A data-plane worker runs TypeScript sources. Module loaders registered with
// `--import` on the main thread do not reliably reach worker threads (they do
// not under vitest's forks), so each worker registers tsx for itself.
const { register } = await import('tsx/esm/api');
register();
await import('./worker.ts');
