// The agent's two entry points as one JavaScript file each, built by the
// set-up step. Through tsx, Node resolves, compiles and links some hundred
// and fifty TypeScript and zod modules one by one: about 0.7 s of an idle
// machine's lab start (1.7-2.0 s from the sources, 1.05-1.1 s bundled), more
// on a busy one, and about 0.5 s of CPU for each data-plane worker, which
// every socket created or reconfigured starts. A bundle older than any source it is built from is not
// used: the sources run through tsx instead, so an edit is never run stale.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Each bundle's entry and file, from the repository's root (built by agent/scripts/setup.mjs). */
export const BUNDLES = {
  cli: { entry: 'agent/src/cli.ts', file: 'agent/build/cli.mjs' },
  dataplaneWorker: { entry: 'agent/src/dataplane/worker.ts', file: 'agent/build/dataplane-worker.mjs' },
};

/** What the bundles are built from: the sources, and the lockfile that pins what they bundle (zod). */
const SOURCES = ['agent/src', 'shared/src', 'pnpm-lock.yaml'];

/** Newest modification time of the files under `paths` (from the repository's root, or `at`). */
export function newestModification(paths, at = root) {
  let latest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else latest = Math.max(latest, stat.mtimeMs);
  };
  for (const path of paths) visit(join(at, path));
  return latest;
}

/** The bundle's file while it is at least as new as every source; null when it is missing or stale. */
export function freshBundle(name, at = root) {
  const file = join(at, BUNDLES[name].file);
  if (!existsSync(file) || statSync(file).mtimeMs < newestModification(SOURCES, at)) return null;
  return pathToFileURL(file);
}
