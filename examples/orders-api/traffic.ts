/**
 * The built-in traffic generator: sends a realistic mix of requests to an Orders API at a steady
 * rate, so its dashboards and alerts have data without an external load tool.
 *
 * The mix (shares of requests): 78% valid orders, 1% orders over the credit limit (402 declined),
 * 1% orders with a malformed payment token (402 invalid_token), 7% invalid orders (400), 10%
 * look-ups of orders created earlier (200), 1% look-ups of unknown orders (404), 2% health checks.
 */
import type { OrderItem, PaymentMethod } from './orders.js';
import { intBetween, pick, type RandomSource } from './random.js';

/** The kinds of request in the mix. */
export type TrafficKind =
  | 'valid_order'
  | 'declined_order'
  | 'invalid_token_order'
  | 'invalid_order'
  | 'get_order'
  | 'get_missing_order'
  | 'health';

/** Share of each kind; sums to 1. */
export const TRAFFIC_MIX: ReadonlyArray<readonly [TrafficKind, number]> = [
  ['valid_order', 0.78],
  ['declined_order', 0.01],
  ['invalid_token_order', 0.01],
  ['invalid_order', 0.07],
  ['get_order', 0.1],
  ['get_missing_order', 0.01],
  ['health', 0.02],
];

/** One planned request. */
export interface PlannedRequest {
  kind: TrafficKind;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

const CATALOG: ReadonlyArray<readonly [string, number]> = [
  ['BOOK-001', 12.99],
  ['BOOK-002', 24.5],
  ['MUG-010', 8.99],
  ['TSHIRT-M', 19.99],
  ['HOODIE-L', 49.0],
  ['CABLE-USB-C', 9.49],
  ['HEADPHONES-BT', 129.0],
  ['KEYBOARD-MX', 89.9],
  ['MONITOR-27', 329.0],
  ['LAPTOP-14', 899.0],
  ['DESK-OAK', 449.0],
  ['CHAIR-ERGO', 279.5],
];
/** An item that, bought three at a time, exceeds the credit limit. */
const EXPENSIVE_ITEM: OrderItem = { sku: 'TV-OLED-77', qty: 3, price: 3499.99 };
const METHOD_WEIGHTS: ReadonlyArray<readonly [PaymentMethod, number]> = [
  ['credit_card', 0.55],
  ['debit_card', 0.2],
  ['paypal', 0.2],
  ['bank_transfer', 0.05],
];
const CUSTOMERS = 200;
/** Order ids kept for look-ups. */
const KNOWN_IDS = 1000;

function weighted<T>(random: RandomSource, table: ReadonlyArray<readonly [T, number]>): T {
  let r = random();
  for (const [v, w] of table) {
    if (r < w) return v;
    r -= w;
  }
  return table[table.length - 1]![0];
}

/** Options of {@link TrafficGenerator}. */
export interface TrafficOptions {
  /** Base URL of the Orders API, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** Requests per second (> 0). */
  rps: number;
  random: RandomSource;
  /** Requests allowed in flight before ticks are skipped. Default 100. */
  maxInFlight?: number;
}

/** Sends the request mix to one Orders API. */
export class TrafficGenerator {
  private readonly knownIds: number[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private credit = 0;
  private lastTick = 0;

  constructor(private readonly opts: TrafficOptions) {}

  /** Draws the next request of the mix (uses the random source; sends nothing). */
  plan(): PlannedRequest {
    const r = this.opts.random;
    const kind = weighted(r, TRAFFIC_MIX);
    switch (kind) {
      case 'valid_order':
        return { kind, method: 'POST', path: '/api/orders', body: this.validOrder() };
      case 'declined_order':
        return { kind, method: 'POST', path: '/api/orders', body: { ...this.validOrder(), items: [EXPENSIVE_ITEM] } };
      case 'invalid_token_order':
        return { kind, method: 'POST', path: '/api/orders', body: { ...this.validOrder(), payment_token: 'expired-token' } };
      case 'invalid_order':
        return { kind, method: 'POST', path: '/api/orders', body: this.invalidOrder() };
      case 'get_order': {
        const id = this.knownIds.length > 0 ? pick(r, this.knownIds) : 1;
        return { kind, method: 'GET', path: `/api/orders/${id}` };
      }
      case 'get_missing_order':
        return { kind, method: 'GET', path: `/api/orders/${intBetween(r, 900_000_000, 999_999_999)}` };
      case 'health':
        return { kind, method: 'GET', path: '/health' };
    }
  }

  private validOrder(): Record<string, unknown> {
    const r = this.opts.random;
    const lines = intBetween(r, 1, 4);
    const items: OrderItem[] = [];
    for (let i = 0; i < lines; i++) {
      const [sku, price] = pick(r, CATALOG);
      items.push({ sku, qty: intBetween(r, 1, 3), price });
    }
    const order: Record<string, unknown> = {
      customer_id: `cust-${intBetween(r, 1, CUSTOMERS)}`,
      items,
      payment_method: weighted(r, METHOD_WEIGHTS),
    };
    if (order.payment_method === 'credit_card' || order.payment_method === 'debit_card') {
      order.payment_token = `tok_${Math.floor(r() * 1e12).toString(36)}x`;
    }
    return order;
  }

  private invalidOrder(): unknown {
    const r = this.opts.random;
    const valid = this.validOrder();
    switch (intBetween(r, 0, 4)) {
      case 0:
        return { ...valid, customer_id: undefined };
      case 1:
        return { ...valid, items: [] };
      case 2:
        return { ...valid, items: [{ sku: 'BOOK-001', qty: 0, price: 12.99 }] };
      case 3:
        return { ...valid, payment_method: 'bitcoin' };
      default:
        return { ...valid, items: 'BOOK-001' };
    }
  }

  /**
   * Sends one request of the mix and resolves with its kind and HTTP status (0 when the request
   * failed to get any answer). Ids of created orders are remembered for later look-ups.
   */
  async sendOne(): Promise<{ kind: TrafficKind; status: number }> {
    const p = this.plan();
    try {
      const res = await fetch(this.opts.url + p.path, {
        method: p.method,
        headers: p.body === undefined ? {} : { 'content-type': 'application/json' },
        body: p.body === undefined ? undefined : JSON.stringify(p.body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (res.status === 201) this.remember(text);
      return { kind: p.kind, status: res.status };
    } catch {
      return { kind: p.kind, status: 0 };
    }
  }

  private remember(text: string): void {
    try {
      const id = (JSON.parse(text) as { order_id?: unknown }).order_id;
      if (typeof id !== 'number') return;
      if (this.knownIds.length >= KNOWN_IDS) this.knownIds.shift();
      this.knownIds.push(id);
    } catch {
      // A 201 without a JSON body carries no id to remember.
    }
  }

  /** Starts sending at the configured rate (no effect when already started). */
  start(): void {
    if (this.timer) return;
    const tickMs = Math.max(10, Math.min(1000, 1000 / this.opts.rps));
    this.lastTick = performance.now();
    this.credit = 1;
    this.timer = setInterval(() => this.tick(), tickMs);
    this.tick();
  }

  private tick(): void {
    const now = performance.now();
    this.credit = Math.min(this.credit + ((now - this.lastTick) / 1000) * this.opts.rps, this.opts.rps + 1);
    this.lastTick = now;
    const max = this.opts.maxInFlight ?? 100;
    while (this.credit >= 1) {
      this.credit -= 1;
      if (this.inFlight.size >= max) continue;
      const p = this.sendOne().finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /**
   * Stops sending and waits for the requests in flight to finish. They are not aborted: a request
   * aborted mid-body never reaches fastify's response hooks, which would leave
   * `app_active_requests` raised and the server's close waiting on its connection.
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
  }
}

/**
 * The traffic generator behind `POST /admin/traffic {"rps": N}`: holds the wanted rate and runs a
 * {@link TrafficGenerator} at it once the API's own URL is known (0 = off).
 */
export class TrafficControl {
  private generator: TrafficGenerator | undefined;
  private url: string | undefined;

  constructor(
    private rps: number,
    private readonly random: RandomSource,
  ) {}

  /** Requests per second currently wanted. */
  get rate(): number {
    return this.rps;
  }

  /** Aims the generator at the API's URL and starts it when the rate is above 0. */
  attach(url: string): void {
    this.url = url;
    this.apply();
  }

  /** Changes the rate (requests per second, ≥ 0), restarting the generator. */
  async setRate(rps: number): Promise<void> {
    this.rps = rps;
    await this.stop();
    this.apply();
  }

  /** Stops sending and waits for requests in flight. */
  async stop(): Promise<void> {
    const g = this.generator;
    this.generator = undefined;
    if (g) await g.stop();
  }

  private apply(): void {
    if (this.url === undefined || this.rps <= 0) return;
    this.generator = new TrafficGenerator({ url: this.url, rps: this.rps, random: this.random });
    this.generator.start();
  }
}
