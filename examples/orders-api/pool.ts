/**
 * A simulated database connection pool of fixed size. Queries take a connection for their simulated
 * duration; when none is free they wait in FIFO order up to a timeout. `app_db_connections{state}`
 * follows every change, so `used / (available + used)` is the pool's load (the article's
 * DatabaseConnectionPoolExhausted alert).
 */
import type { Gauge } from 'prom-client';

/** Thrown by {@link ConnectionPool.acquire} when no connection frees up within the timeout. */
export class PoolTimeoutError extends Error {
  override name = 'PoolTimeoutError';
}

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** Fixed-size pool of interchangeable connections. */
export class ConnectionPool {
  private inUse = 0;
  private readonly waiters: Waiter[] = [];

  /**
   * @param size number of connections (≥ 1)
   * @param gauge `app_db_connections`, set to the pool's state now and on every change
   */
  constructor(
    readonly size: number,
    private readonly gauge: Gauge<'state'>,
  ) {
    this.publish();
  }

  /** Connections taken now. */
  get used(): number {
    return this.inUse;
  }

  /** Connections free now. */
  get available(): number {
    return this.size - this.inUse;
  }

  /** Takes a free connection if there is one, without waiting; returns whether it did. */
  tryAcquire(): boolean {
    if (this.inUse >= this.size) return false;
    this.inUse++;
    this.publish();
    return true;
  }

  /**
   * Takes a connection, waiting up to `timeoutMs` milliseconds for one to be released.
   * @throws {PoolTimeoutError} when the wait times out
   */
  acquire(timeoutMs: number): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new PoolTimeoutError(`database connection pool exhausted: no connection within ${timeoutMs}ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Returns a connection: hands it to the oldest waiter, or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve();
      return;
    }
    if (this.inUse > 0) this.inUse--;
    this.publish();
  }

  /** Fails every waiting acquisition with {@link PoolTimeoutError} (used on shutdown). */
  rejectWaiters(): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new PoolTimeoutError('database connection pool closed'));
    }
  }

  private publish(): void {
    this.gauge.set({ state: 'available' }, this.size - this.inUse);
    this.gauge.set({ state: 'used' }, this.inUse);
  }
}
