// The last step of `npm run build`: bundles the `lookout` command into dist/lookout/, the artifact
// that `bin`, `npm start`, the tests and the benchmarks run.
//
//   dist/lookout/main.cjs              the command (scripts/bundle-loader.cjs, naming the bundle)
//   dist/lookout/lookout-HASH.cjs      src/cli/main.ts and its dependencies, one CommonJS file
//   dist/lookout/lookout-HASH.cjs.map  its source map (`node --enable-source-maps` uses it)
//   dist/lookout/lookout-HASH.cjs.cache  V8 code cache, filled by starting the server once
//   dist/lookout/query-worker.js       the query worker thread (src/web/query-worker.ts), ESM
//
// Loading ~290 separate ES modules took about two thirds of the server's time to ready; one file
// compiled through a code cache takes a fraction of that (see scripts/bundle-loader.cjs). Code
// that finds files from `import.meta.url` (src/cli/paths.ts, src/web/query-pool.ts) sees the
// bundle's own URL, and dist/lookout/ sits inside the package like dist/src/ did.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'lookout');

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  charset: 'ascii',
  logLevel: 'warning',
};

/**
 * esbuild keeps comments, and comments keep their non-ASCII characters (strings and identifiers
 * are escaped by `charset: 'ascii'`). They become `?`, one per UTF-16 unit, so columns and the
 * source map stay right; minifying before and after must give the same program.
 */
async function asciiOnly(code) {
  const ascii = code.replace(/[^\x00-\x7f]/g, '?');
  if (ascii === code) return code;
  const [a, b] = await Promise.all([transform(code, { minify: true, charset: 'ascii', legalComments: 'none' }), transform(ascii, { minify: true, charset: 'ascii', legalComments: 'none' })]);
  if (a.code !== b.code) throw new Error('bundle: a non-ASCII character outside a comment');
  return ascii;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const main = await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  entryNames: 'lookout-[hash]',
  outExtension: { '.js': '.cjs' },
  outdir: out,
  format: 'cjs',
  sourcemap: 'linked',
  write: false,
  define: { 'import.meta.url': '__lookoutModuleUrl' },
  banner: { js: "const __lookoutModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
let bundleName = '';
for (const f of main.outputFiles) {
  if (f.path.endsWith('.cjs')) {
    bundleName = basename(f.path);
    // The loader wraps the code in a function: the `#!` line becomes an empty one (lines unchanged).
    writeFileSync(f.path, await asciiOnly(f.text.replace(/^#!.*/, '')));
  } else {
    writeFileSync(f.path, f.contents);
  }
}
await build({
  ...common,
  entryPoints: ['src/web/query-worker.ts'],
  outdir: out,
  format: 'esm',
  sourcemap: 'linked',
  banner: { js: "import { createRequire as __lookoutCreateRequire } from 'node:module'; const require = __lookoutCreateRequire(import.meta.url);" },
});
const loader = readFileSync(join(root, 'scripts', 'bundle-loader.cjs'), 'utf8').replace('__BUNDLE__', bundleName);
writeFileSync(join(out, 'main.cjs'), loader, { mode: 0o755 });
try {
  await warmCodeCache();
} catch (e) {
  // No half-built command: `npm start` must see the build as missing, not as fresh.
  rmSync(out, { recursive: true, force: true });
  throw e;
}

/**
 * Starts `lookout server` once on its embedded default configuration (loopback, a free port, a
 * temporary data folder) and stops it with SIGTERM once `/-/ready` answers 200 (its signal
 * handlers are in place by then): on exit the loader writes the code cache of everything that ran.
 */
async function warmCodeCache() {
  const data = mkdtempSync(join(tmpdir(), 'lookout-build-'));
  const args = [join(out, 'main.cjs'), 'server', '--web.listen-address=127.0.0.1:0', `--storage.tsdb.path=${data}`];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 60_000;
    let ready = false;
    while (!ready && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      const url = /msg=listening address=(\S+)/.exec(log)?.[1];
      if (url) ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    }
    child.kill(ready ? 'SIGTERM' : 'SIGKILL');
    const code = await exited;
    if (!ready || code !== 0 || !existsSync(join(out, `${bundleName}.cache`))) {
      throw new Error(`bundle: the bundled server did not start and stop cleanly (exit ${code}):\n${log}`);
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
}
