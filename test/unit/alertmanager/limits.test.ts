/**
 * The bounds that keep many aggregation groups from freezing the process: per-integration send
 * slots, rate-limited log lines, sliced flush starts; and the Alertmanager end to end with many
 * groups failing against one webhook.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/alertmanager/clock.js';
import { FLUSH_SLICE_MS, FlushQueue } from '../../../src/alertmanager/dispatcher.js';
import { LogRateLimiter, SlotLimiter } from '../../../src/alertmanager/notify/limit.js';
import { Logger, setLogLevel } from '../../../src/log.js';
import { Receiver, get, post, settle, startAm, type Harness } from './harness.js';

class CaptureLogger extends Logger {
  readonly lines: string[] = [];
  override warn(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push(`warn ${msg} ${JSON.stringify(fields)}`);
  }
  override error(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push(`error ${msg} ${JSON.stringify(fields)}`);
  }
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('SlotLimiter', () => {
  it('grants at most `limit` slots per key, in FIFO order, skipping aborted waits', async () => {
    const lim = new SlotLimiter(2);
    const never = new AbortController().signal;
    const r1 = await lim.acquire('k', never);
    const r2 = await lim.acquire('k', never);
    const order: string[] = [];
    const aborted = new AbortController();
    const w3 = lim.acquire('k', never).then((r) => (order.push('w3'), r));
    const w4 = lim.acquire('k', aborted.signal).then(
      () => order.push('w4'),
      (e: Error) => order.push(`w4 ${e.message}`),
    );
    const w5 = lim.acquire('k', never).then((r) => (order.push('w5'), r));
    const other = await lim.acquire('other', never); // another key is not held up
    expect(lim.waiting('k')).toBe(3);
    aborted.abort(new Error('deadline'));
    await turn();
    r1();
    r1(); // a second call does nothing
    const r3 = await w3;
    r2();
    await w5;
    await w4;
    expect(order).toEqual(['w4 deadline', 'w3', 'w5']);
    expect(lim.waiting('k')).toBe(0);
    r3();
    other();
  });

  it('rejects at once when the signal is already aborted', async () => {
    const c = new AbortController();
    c.abort(new Error('gone'));
    await expect(new SlotLimiter(1).acquire('k', c.signal)).rejects.toThrow('gone');
  });
});

describe('LogRateLimiter', () => {
  it('writes the first lines of a window, counts the rest and reports the count when the window ends', async () => {
    const clock = new ManualClock(0);
    const log = new CaptureLogger();
    const lim = new LogRateLimiter(clock, 2, 10_000);
    for (let i = 0; i < 5; i++) lim.write(log, 'error', 'a', 'Notify for alerts failed', { n: i });
    lim.write(log, 'warn', 'b', 'Other', { n: 0 });
    expect(log.lines).toEqual(['error Notify for alerts failed {"n":0}', 'error Notify for alerts failed {"n":1}', 'warn Other {"n":0}']);
    await clock.advance(10_000);
    expect(log.lines.slice(3)).toEqual(['error Suppressed similar log lines {"repeated_msg":"Notify for alerts failed","suppressed":3,"window":"10s"}']);
    lim.write(log, 'error', 'a', 'Notify for alerts failed', { n: 9 });
    lim.write(log, 'error', 'a', 'Notify for alerts failed', { n: 10 });
    lim.write(log, 'error', 'a', 'Notify for alerts failed', { n: 11 });
    lim.stop();
    expect(log.lines.slice(4)).toEqual([
      'error Notify for alerts failed {"n":9}',
      'error Notify for alerts failed {"n":10}',
      'error Suppressed similar log lines {"repeated_msg":"Notify for alerts failed","suppressed":1,"window":"10s"}',
    ]);
  });
});

describe('FlushQueue', () => {
  it('runs tasks in order on later event-loop turns, yielding once a slice has used its time', async () => {
    const q = new FlushQueue();
    const ran: number[] = [];
    const busy = () => {
      const end = performance.now() + FLUSH_SLICE_MS + 1;
      while (performance.now() < end);
    };
    for (let i = 0; i < 3; i++) q.push(() => (busy(), ran.push(i)));
    q.push(() => ran.push(3));
    expect(ran).toEqual([]);
    await turn();
    expect(ran).toEqual([0]);
    await turn();
    expect(ran).toEqual([0, 1]);
    await turn();
    await turn();
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(q.length).toBe(0);
  });
});

describe('many aggregation groups failing against one webhook', () => {
  let h: Harness | null = null;
  let rcv: Receiver | null = null;
  afterEach(async () => {
    await h?.am.stop();
    await rcv?.stop();
    h = null;
    rcv = null;
    setLogLevel('error');
    vi.restoreAllMocks();
  });

  it('logs a bounded number of lines and rebuilds all groups on reload', async () => {
    rcv = await new Receiver().start();
    for (let i = 0; i < 10_000; i++) rcv.statuses.push(500);
    h = await startAm(
      `route:
  receiver: hook
  group_by: ['...']
  group_wait: 1s
  group_interval: 10s
receivers:
  - name: hook
    webhook_configs: [{url: '${rcv.url}/hook'}]
`,
    );
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    setLogLevel('warn');
    const alerts = Array.from({ length: 150 }, (_, i) => ({ labels: { alertname: 'Many', instance: `i${i}` } }));
    expect((await post(h.am, alerts)).status).toBe(200);
    const count = (msg: string) => lines.filter((l) => l.includes(`msg="${msg}"`)).length;
    // Flushes start at +1s; every group's first attempt fails. Within the first 10s window:
    for (let s = 0; s < 6; s++) {
      await h.clock.advance(1000);
      await settle(30);
    }
    expect(count('Notify attempt failed, will retry later')).toBe(10);
    expect(count('Suppressed similar log lines')).toBe(0);
    // The window ends at +11s, when the flushes' 10s deadline passes too.
    for (let s = 0; s < 7; s++) {
      await h.clock.advance(1000);
      await settle(30);
    }
    expect(lines.filter((l) => l.includes('repeated_msg="Notify attempt failed, will retry later"'))[0]).toContain(' suppressed=140 ');
    expect(count('Notify for alerts failed')).toBe(10);
    expect(rcv.requests.length).toBeGreaterThanOrEqual(150);

    await h.am.reload();
    await settle(50);
    expect(((await get(h.am, '/alerts/groups')).body as unknown[]).length).toBe(150);
  }, 30_000);
});
