/**
 * Runs the local notification sink: `node dist/examples/notification-sink/main.js [--port 9099] [--host 127.0.0.1]`.
 */
import { parseArgs } from 'node:util';
import { startNotificationSink } from './sink.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '9099' }, host: { type: 'string', default: '127.0.0.1' } } });
const sink = await startNotificationSink({
  host: values.host,
  port: Number(values.port),
  log: (line) => process.stdout.write(`notification-sink: ${line}\n`),
});
process.stdout.write(`notification-sink: listening on ${sink.url} (GET ${sink.url}/notifications lists what arrived)\n`);
const stop = () => void sink.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
