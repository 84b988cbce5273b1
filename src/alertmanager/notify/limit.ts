/**
 * Bounds on the notification path, so that many aggregation groups failing at once (say 100,000
 * groups all posting to one broken webhook) cost a bounded amount of sockets and log lines rather
 * than freezing the process. Alertmanager has neither bound — Go goroutines and connections are
 * cheap there, and its logs are as verbose — so both are Lookout's own:
 *
 * - {@link SlotLimiter}: at most {@link MAX_SENDS_PER_INTEGRATION} notifications in flight per
 *   receiver integration; the rest wait in FIFO order, holding nothing but their flush (a wait
 *   counts against the notification's deadline, as a slow request would). Per integration, so a
 *   broken endpoint never delays notifications to other receivers.
 * - {@link LogRateLimiter}: per message key, the first few lines of each window are written and
 *   the rest only counted; one summary line per window reports how many were left out.
 */
import type { Logger } from '../../log.js';
import type { Clock, TimerHandle } from '../clock.js';

/**
 * Notifications in flight per receiver integration. Each aggregation group sends one at a time, so
 * this only binds when more than this many groups of one receiver flush together; then a broken
 * endpoint costs this many sockets and request bodies instead of one per group, and a healthy one
 * still gets this many concurrent requests.
 */
export const MAX_SENDS_PER_INTEGRATION = 64;

interface Waiter {
  grant: () => void;
  /** Set when the wait was aborted: the slot skips it. */
  aborted: boolean;
}

/** One key's slots. */
class Slots {
  inFlight = 0;
  readonly queue: Waiter[] = [];
  /** Index of the queue's head (shifted lazily, so a long queue is not copied per grant). */
  head = 0;
}

/** FIFO slots per key (e.g. one key per receiver integration). */
export class SlotLimiter {
  private readonly keys = new Map<string, Slots>();

  /** @param limit slots per key */
  constructor(private readonly limit = MAX_SENDS_PER_INTEGRATION) {}

  /**
   * Waits for a slot of `key`; resolves to the function that frees it (extra calls do
   * nothing).
   * @throws the signal's reason when `signal` aborts first (the slot is then not taken).
   */
  acquire(key: string, signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    let s = this.keys.get(key);
    if (!s) {
      s = new Slots();
      this.keys.set(key, s);
    }
    const slots = s;
    const release = () => this.release(key, slots);
    if (slots.inFlight < this.limit) {
      slots.inFlight++;
      return Promise.resolve(once(release));
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        w.aborted = true;
        reject(signal.reason);
      };
      const w: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(once(release));
        },
        aborted: false,
      };
      slots.queue.push(w);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Callers waiting for a slot of `key` (aborted waits included until they reach the head). */
  waiting(key: string): number {
    const s = this.keys.get(key);
    return s ? s.queue.length - s.head : 0;
  }

  private release(key: string, s: Slots): void {
    // The slot passes to the next waiter whose wait was not aborted.
    while (s.head < s.queue.length) {
      const next = s.queue[s.head]!;
      s.queue[s.head++] = undefined as unknown as Waiter;
      if (s.head > 1024 && s.head * 2 > s.queue.length) {
        s.queue.splice(0, s.head);
        s.head = 0;
      }
      if (next.aborted) continue;
      next.grant();
      return;
    }
    s.inFlight--;
    if (s.inFlight === 0) this.keys.delete(key);
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/**
 * The limiter of every receiver integration of the process, keyed by `receiver/integration[index]`
 * (so the slots survive config reloads).
 */
export const integrationLimiter = new SlotLimiter();

/** Lines written per key and window before the rest are only counted. */
export const LOG_LINES_PER_WINDOW = 10;
/** ms: length of a {@link LogRateLimiter} window. */
export const LOG_WINDOW_MS = 10_000;

interface LogWindow {
  log: Logger;
  level: 'warn' | 'error' | 'info';
  msg: string;
  written: number;
  suppressed: number;
  timer: TimerHandle | null;
}

/**
 * Writes at most {@link LOG_LINES_PER_WINDOW} lines per key per {@link LOG_WINDOW_MS}; at the end
 * of a window in which lines were left out, writes one line `msg="Suppressed similar log lines"`
 * with `repeated_msg` and `suppressed=<count>`, through the logger of the window's first line.
 */
export class LogRateLimiter {
  private readonly windows = new Map<string, LogWindow>();

  constructor(
    private readonly clock: Clock,
    private readonly perWindow = LOG_LINES_PER_WINDOW,
    private readonly windowMs = LOG_WINDOW_MS,
  ) {}

  /**
   * Logs `msg` with `fields` through `log` unless `key`'s window is full.
   * @param key what counts as "similar": lines with the same key share a window (include the level,
   *   the message and whatever `log` adds, e.g. receiver and integration)
   */
  write(log: Logger, level: LogWindow['level'], key: string, msg: string, fields: Record<string, unknown>): void {
    let w = this.windows.get(key);
    if (!w) {
      const win: LogWindow = { log, level, msg, written: 0, suppressed: 0, timer: null };
      this.windows.set(key, win);
      win.timer = this.clock.setTimeout(() => this.close(key, win), this.windowMs);
      w = win;
    }
    if (w.written < this.perWindow) {
      w.written++;
      log[level](msg, fields);
    } else {
      w.suppressed++;
    }
  }

  private close(key: string, w: LogWindow): void {
    this.windows.delete(key);
    if (w.suppressed > 0) {
      w.log[w.level]('Suppressed similar log lines', { repeated_msg: w.msg, suppressed: w.suppressed, window: `${this.windowMs / 1000}s` });
    }
  }

  /** Writes pending summaries now and stops the window timers. */
  stop(): void {
    for (const [key, w] of this.windows) {
      if (w.timer) this.clock.clearTimeout(w.timer);
      this.close(key, w);
    }
  }
}
