/** The log data the LogQL unit tests query (times in ms from T0). */
import { MemoryLogs } from './logql-memory-reader.js';

export const T0 = 1_700_000_000_000;

export const API = [
  '{"level":"error","status":500,"latency":"250ms","size":"2KB","msg":"boom","user":{"id":7,"name":"ann"},"tags":["a"]}',
  '{"level":"info","status":200,"latency":"20ms","size":"512B","msg":"ok","user":{"id":8.0,"name":"bob"}}',
  '{"level":"warn","status":404,"latency":"1.5s","size":"1KiB","msg":"missing"}',
];
export const WEB = ['level=info status=200 duration=15ms bytes=300 msg="GET /"', 'level=error status=503 duration=2s bytes=1500 msg="GET /x"'];
export const DB = ['10.0.0.1 - - [10/Oct/2023:13:55:36] "GET /index.html HTTP/1.1" 200 2326', 'not a request line'];
export const PACK = ['{"_entry":"original line","job":"x","app":"inner"}'];

export function fixture(): MemoryLogs {
  return new MemoryLogs()
    .add({ app: 'api', env: 'prod' }, [
      { ms: T0 + 1000, line: API[0]! },
      { ms: T0 + 2000, line: API[1]! },
      { ms: T0 + 3000, line: API[2]! },
    ])
    .add({ app: 'web', env: 'prod' }, [
      { ms: T0 + 1500, line: WEB[0]! },
      { ms: T0 + 2500, line: WEB[1]! },
    ])
    .add({ app: 'db', env: 'dev' }, [
      { ms: T0 + 2000, line: DB[0]! },
      { ms: T0 + 4000, line: DB[1]! },
    ])
    .add({ app: 'pack' }, [{ ms: T0 + 1000, line: PACK[0]! }])
    .add({ app: 'color' }, [{ ms: T0 + 1000, line: '\u001b[31merror\u001b[0m done \u001b[1;32mok\u001b[m' }])
    .add({ app: 'meta' }, [
      { ms: T0 + 1000, line: 'with metadata', metadata: { trace_id: 'abc' } },
      { ms: T0 + 2000, line: 'without' },
    ]);
}
