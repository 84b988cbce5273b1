/**
 * `node dist/examples/orders-api/main.js [--port 5000] [--host 127.0.0.1] [--traffic-rps 5] [--error-rate 0.01] [--log-file PATH]`
 *
 * Runs the demo Orders API with its built-in traffic generator until SIGINT/SIGTERM. Prints
 * `listening on http://127.0.0.1:5000` once it accepts requests. Bad flags exit with status 2, a failure to listen (port taken) with status 1.
 */
import { startOrdersApi } from './app.js';
import { USAGE, parseMainFlags, type MainFlags } from './flags.js';

async function main(): Promise<void> {
  let flags: MainFlags;
  try {
    flags = parseMainFlags(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let api: Awaited<ReturnType<typeof startOrdersApi>>;
  try {
    api = await startOrdersApi(flags);
  } catch (e) {
    process.stderr.write(`orders-api: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  process.stdout.write(`listening on ${api.url}\n`);
  const stop = () => {
    void api.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
