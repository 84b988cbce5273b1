// `npm start`: builds Lookout when the build is missing or older than the sources, then runs
// `lookout server` on its embedded default configuration with the demo Orders API and the local
// notification sink beside it. Extra arguments (`npm start -- --log.level=debug`) go to the server.
// Ctrl-C stops all three.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The bundled command is the last thing `npm run build` writes.
const stamp = join(root, 'dist', 'lookout', 'main.cjs');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const sources = ['src', 'ui', 'examples'].map((d) => join(root, d));
const stale =
  !existsSync(stamp) ||
  !existsSync(join(root, 'dist', 'examples', 'orders-api', 'main.js')) ||
  Math.max(...sources.map(newest)) > statSync(stamp).mtimeMs;
if (stale) {
  console.log('lookout: building (npm run build)…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const children = [];
function run(name, args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk) =>
    chunk
      .toString()
      .split('\n')
      .filter((l) => l !== '')
      .forEach((l) => process.stdout.write(`${name.padEnd(13)}| ${l}\n`));
  child.stdout.on('data', prefix);
  child.stderr.on('data', prefix);
  child.on('exit', (code, signal) => {
    process.stdout.write(`${name.padEnd(13)}| exited (${signal ?? code})\n`);
    stopAll(code ?? 0);
  });
  children.push(child);
}

let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
// A supervisor may signal only `npm`, which does not pass it on: stop when our parent goes away.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stopAll(0), 1000).unref();

run('sink', ['dist/examples/notification-sink/main.js', '--port', '9099']);
// The demo's request log, tailed into Lookout's log store by the embedded config/promtail.yml.
run('orders-api', ['dist/examples/orders-api/main.js', '--port', '5000', '--log-file', 'data/logs/orders-api.log']);
run('lookout', [
  'dist/lookout/main.cjs',
  'server',
  '--web.listen-address=127.0.0.1:9090',
  '--web.external-url=http://127.0.0.1:9090',
  '--storage.tsdb.path=data/',
  '--web.enable-lifecycle',
  ...process.argv.slice(2),
]);
console.log('lookout: open http://127.0.0.1:9090 (Ctrl-C stops everything)');
