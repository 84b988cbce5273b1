/**
 * Locations inside the installed package: the embedded default configuration (`config/`) and the
 * built UI (`dist/ui`). Works from `src/` (tsx), from `dist/src/` (tsc) and from the bundle in
 * `dist/lookout/` (scripts/bundle.mjs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lookout') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the lookout package root');
    dir = up;
  }
}

/** The package root (the folder with Lookout's package.json). */
export const PACKAGE_ROOT = findRoot();

/** The embedded default configuration folder. */
export const DEFAULT_CONFIG_DIR = join(PACKAGE_ROOT, 'config');

/** The runbooks of the embedded meta-monitoring alerts, served at `/runbooks`. */
export const RUNBOOKS_FILE = join(PACKAGE_ROOT, 'docs', 'runbooks.md');

/** Where `npm run build` puts the UI. */
export const UI_DIR = join(PACKAGE_ROOT, 'dist', 'ui');

/** The package version. */
export const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
