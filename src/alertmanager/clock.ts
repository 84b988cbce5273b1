/**
 * Time source and timers for the Alertmanager core, injectable so that timing behaviour
 * (group_wait, group_interval, repeat_interval, resolve_timeout, retries) can be tested without
 * sleeping: {@link systemClock} in production, {@link ManualClock} in tests.
 */

/** An opaque timer handle. */
export type TimerHandle = { readonly id: number };

/** Milliseconds clock with one-shot timers. */
export interface Clock {
  /** Current time, ms since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock (`Date.now`, Node timers; timers do not keep the process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { id: 0, t } as TimerHandle;
  },
  clearTimeout(h) {
    clearTimeout((h as unknown as { t: NodeJS.Timeout }).t);
  },
};

/** A clock built from a `now()` function and real timers (for `AlertmanagerOptions.now`). */
export function clockFromNow(now: () => number): Clock {
  return { now, setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout };
}

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. {@link advance} fires due timers in time order, letting
 * promise callbacks settle between them, so async work started by a timer completes "instantly".
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private pending: Pending[] = [];
  private readonly cleared = new Set<number>();

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const p = { id: ++this.seq, at: this.t + Math.max(0, ms), fn };
    this.pending.push(p);
    return { id: p.id };
  }

  clearTimeout(h: TimerHandle): void {
    this.pending = this.pending.filter((p) => p.id !== h.id);
    this.cleared.add(h.id);
  }

  /** Number of scheduled timers. */
  get timers(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await settle();
    for (;;) {
      this.pending.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.pending[0];
      if (!next || next.at > target) break;
      // Fire every timer due at this instant, then let the work they started settle.
      const at = next.at;
      this.t = Math.max(this.t, at);
      const due = this.pending.filter((p) => p.at === at);
      this.pending = this.pending.filter((p) => p.at !== at);
      this.cleared.clear();
      for (const p of due) if (!this.cleared.has(p.id)) p.fn();
      await settle();
    }
    this.t = target;
    await settle();
  }
}

/** Lets pending promise callbacks (and the I/O they start on loopback) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}
