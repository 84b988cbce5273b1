/**
 * The bundled `lookout` command that `npm run build` writes to dist/lookout/ (scripts/bundle.mjs):
 * `bin` names it; the bundle is ASCII (the loader decodes it as latin1); the code cache the build
 * made is one this Node accepts; without a cache the command still runs and leaves one behind; and
 * with `--enable-source-maps` stack positions map back to the TypeScript sources.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { LOOKOUT_BIN, ROOT } from '../support/processes.js';

const OUT = join(ROOT, 'dist', 'lookout');
const bundleName = (): string => {
  const names = readdirSync(OUT).filter((f) => /^lookout-[A-Z0-9]+\.cjs$/.test(f));
  expect(names).toHaveLength(1);
  return names[0]!;
};
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

describe('dist/lookout (the bundled command)', () => {
  it('is what package.json bin runs, and runs', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(join(ROOT, pkg.bin.lookout!)).toBe(LOOKOUT_BIN);
    const r = spawnSync(process.execPath, [LOOKOUT_BIN, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`lookout, version ${version} (node ${process.version})\n`);
    expect(existsSync(join(OUT, 'query-worker.js'))).toBe(true);
  });

  it('holds only ASCII, and the build left a code cache this Node accepts', () => {
    const name = bundleName();
    const source = readFileSync(join(OUT, name));
    expect(source.findIndex((b) => b > 0x7f)).toBe(-1);
    const script = new Script(Module.wrap(source.toString('latin1')), { filename: join(OUT, name), cachedData: readFileSync(join(OUT, `${name}.cache`)) });
    expect(script.cachedDataRejected).toBe(false);
  });

  it('runs without a cache and writes one when it exits', () => {
    // Inside dist/ so that the package root (config/, dist/ui) is found from it as from dist/lookout.
    const dir = mkdtempSync(join(ROOT, 'dist', '.bundle-test-'));
    scratch.push(dir);
    const name = bundleName();
    copyFileSync(join(OUT, 'main.cjs'), join(dir, 'main.cjs'));
    copyFileSync(join(OUT, name), join(dir, name));
    const r = spawnSync(process.execPath, [join(dir, 'main.cjs'), 'check', 'config', join(ROOT, 'config', 'prometheus.yml')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('is valid prometheus config file syntax');
    expect(readdirSync(dir).sort()).toEqual([name, `${name}.cache`, 'main.cjs'].sort());
    const script = new Script(Module.wrap(readFileSync(join(dir, name), 'latin1')), { filename: join(dir, name), cachedData: readFileSync(join(dir, `${name}.cache`)) });
    expect(script.cachedDataRejected).toBe(false);
  });

  it('maps stack positions to the sources with --enable-source-maps', () => {
    const file = join(OUT, bundleName());
    const probe = `process.argv = [process.argv[0], 'lookout', '--version'];
const exit = process.exit.bind(process);
process.exit = (code) => {
  const map = require('node:module').findSourceMap(${JSON.stringify(file)});
  const line = require('node:fs').readFileSync(${JSON.stringify(file)}, 'latin1').split('\\n').findIndex((l) => l.includes('async function main('));
  const entry = map?.findEntry(line, 0);
  require('node:fs').writeSync(1, JSON.stringify(entry?.originalSource ?? null) + '\\n');
  exit(code);
};
require(${JSON.stringify(LOOKOUT_BIN)});`;
    const r = spawnSync(process.execPath, ['--enable-source-maps', '-e', probe], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/src\/cli\/main\.ts"$/);
  });
});
