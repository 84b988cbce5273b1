/**
 * Runtime fault injection, switched with the `/admin/*` endpoints so that each of the article's
 * application alerts can be made to fire on purpose:
 * - error rate → HighErrorRate (share of API requests answered with 500),
 * - added latency → SlowResponseTime (p95 of `app_request_duration_seconds` above 2 s),
 * - DB pressure → DatabaseConnectionPoolExhausted (connections held so `used / total > 0.8`).
 */
import type { ConnectionPool } from './pool.js';

/** Mutable fault settings of one instance. */
export interface FaultSettings {
  /** Share (0..1) of API requests that fail with 500 through an injected DB or payment error. */
  errorRate: number;
  /** Seconds added to every API request (`create_order`, `get_order`). */
  extraLatencySeconds: number;
}

/** Checks an error rate: a finite number in [0, 1]. Returns the reason it is not, or null. */
export function checkErrorRate(v: unknown): string | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1 ? null : 'rate must be a number from 0 to 1';
}

/** Largest added latency accepted, seconds. */
export const MAX_EXTRA_LATENCY_SECONDS = 60;

/** Checks an added latency: a finite number of seconds in [0, 60]. Returns the reason it is not, or null. */
export function checkLatency(v: unknown): string | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_EXTRA_LATENCY_SECONDS
    ? null
    : `seconds must be a number from 0 to ${MAX_EXTRA_LATENCY_SECONDS}`;
}

/**
 * Holds database connections away from queries, as a leak or a long-running batch job would.
 * Only connections free at the moment are taken, so the number actually held may be lower than asked.
 */
export class DbPressure {
  private heldCount = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pool: ConnectionPool) {}

  /** Connections held now. */
  get held(): number {
    return this.heldCount;
  }

  /**
   * Holds `connections` connections (clamped to the pool size), releasing extra ones when it held
   * more. With `seconds` > 0 they are all released after that many seconds. Returns the count held.
   */
  set(connections: number, seconds?: number): number {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const target = Math.max(0, Math.min(this.pool.size, Math.floor(connections)));
    while (this.heldCount > target) {
      this.pool.release();
      this.heldCount--;
    }
    while (this.heldCount < target && this.pool.tryAcquire()) this.heldCount++;
    if (seconds !== undefined && seconds > 0 && this.heldCount > 0) {
      this.timer = setTimeout(() => this.set(0), seconds * 1000);
      this.timer.unref();
    }
    return this.heldCount;
  }
}
