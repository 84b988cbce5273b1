/**
 * Child process of store-crash.test.ts: opens a log store in argv[2] and pushes numbered entries
 * (ids from argv[3]) forever, printing `ack <id>` after each push resolves, until killed.
 * Small heads and frequent maintenance make chunk cuts and WAL deletion happen during the run.
 */
import { fromObject } from '../../../src/model/labels.js';
import { LogStore } from '../../../src/logs/store/store.js';

const dir = process.argv[2]!;
let id = Number(process.argv[3]);
const store = LogStore.open({ dir, headCutBytes: 2048, background: false });
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const base = Date.now();
  const streams = [0, 1, 2].map((s) => ({
    labels: fromObject({ job: 'crash', shard: String(s) }),
    entries: [0, 1].map((k) => ({ ms: base, nanos: k * 1000 + s, line: `{"id":${id + s * 2 + k},"msg":"entry ${id + s * 2 + k}"}`, metadata: fromObject({ id: String(id + s * 2 + k) }) })),
  }));
  const first = id;
  id += 6;
  await store.push(streams);
  process.stdout.write(`ack ${first} ${first + 5}\n`);
  if (i % 20 === 19) store.maintain();
}
