/**
 * A simulated database: every query takes a pooled connection for a random, realistic duration,
 * is timed into `app_db_query_duration_seconds{query_type}`, and may be told to fail (the injected
 * errors behind `--error-rate`). Orders are kept in memory.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Histogram } from 'prom-client';
import type { ConnectionPool } from './pool.js';
import { uniform, type RandomSource } from './random.js';
import type { OrderItem, PaymentMethod } from './orders.js';

/** The article's `query_type` label values. */
export type QueryType = 'select' | 'insert' | 'update' | 'delete';

/** Thrown by a query that failed (injected failure or pool exhaustion); answered with 500. */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/** An order as stored. `total` is USD; `createdAt` is milliseconds since the epoch. */
export interface StoredOrder {
  order_id: number;
  customer_id: string;
  items: OrderItem[];
  payment_method: PaymentMethod;
  total: number;
  status: 'pending' | 'paid' | 'payment_failed';
  createdAt: number;
}

/** Simulated query times, seconds: [min, max) per query type. */
const LATENCY_SECONDS: Record<QueryType, readonly [number, number]> = {
  select: [0.0005, 0.006],
  insert: [0.002, 0.02],
  update: [0.0015, 0.012],
  delete: [0.0015, 0.01],
};
/** Share of queries that take ten times longer (lock waits, cold pages), so the histogram has a tail. */
const SLOW_QUERY_SHARE = 0.02;

/** Options of {@link SimulatedDatabase}. */
export interface DatabaseOptions {
  pool: ConnectionPool;
  queryDuration: Histogram<'query_type'>;
  random: RandomSource;
  /** How long a query waits for a free connection before failing, milliseconds. */
  acquireTimeoutMs: number;
}

/** In-memory order table behind a simulated connection pool. */
export class SimulatedDatabase {
  private readonly orders = new Map<number, StoredOrder>();
  private nextId = 1;

  constructor(private readonly opts: DatabaseOptions) {}

  /**
   * Runs `work` as one query of `type`: takes a connection (waiting up to the acquire timeout),
   * sleeps the simulated query time, observes it, releases the connection.
   * @throws {DatabaseError} when no connection is free in time or `fail` is set
   */
  async query<T>(type: QueryType, work: () => T, fail = false): Promise<T> {
    try {
      await this.opts.pool.acquire(this.opts.acquireTimeoutMs);
    } catch (e) {
      throw new DatabaseError(e instanceof Error ? e.message : String(e));
    }
    const start = performance.now();
    try {
      const [min, max] = LATENCY_SECONDS[type];
      let seconds = uniform(this.opts.random, min, max);
      if (this.opts.random() < SLOW_QUERY_SHARE) seconds *= 10;
      await sleep(seconds * 1000);
      if (fail) throw new DatabaseError(`database error: ${type} failed: server closed the connection unexpectedly`);
      return work();
    } finally {
      this.opts.queryDuration.observe({ query_type: type }, (performance.now() - start) / 1000);
      this.opts.pool.release();
    }
  }

  /** Inserts a new pending order and returns it (call inside {@link query}). */
  insertOrder(fields: Omit<StoredOrder, 'order_id' | 'status' | 'createdAt'>, now = Date.now()): StoredOrder {
    const order: StoredOrder = { ...fields, order_id: this.nextId++, status: 'pending', createdAt: now };
    this.orders.set(order.order_id, order);
    return order;
  }

  /** Sets an order's status (call inside {@link query}). */
  updateStatus(id: number, status: StoredOrder['status']): void {
    const o = this.orders.get(id);
    if (o) o.status = status;
  }

  /** The order with this id, or undefined (call inside {@link query}). */
  findOrder(id: number): StoredOrder | undefined {
    return this.orders.get(id);
  }
}
