/**
 * The order workflow behind `POST /api/orders` and `GET /api/orders/:id`: cache look-ups, database
 * queries through the pool, the payment charge, and the business metrics
 * (`app_orders_created_total`, `app_order_value`, `orders_total`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SimulatedCache } from './cache.js';
import { SimulatedDatabase, type StoredOrder } from './db.js';
import type { FaultSettings } from './faults.js';
import type { OrdersMetrics } from './metrics.js';
import { orderTotal, type OrderRequest } from './orders.js';
import { PaymentGateway } from './payment.js';
import type { RandomSource } from './random.js';

/** What a handler sends back: HTTP status and JSON body. */
export interface ServiceReply {
  status: number;
  body: Record<string, unknown>;
}

/** The public view of a stored order. */
function view(o: StoredOrder): Record<string, unknown> {
  return {
    order_id: o.order_id,
    customer_id: o.customer_id,
    items: o.items,
    payment_method: o.payment_method,
    total: o.total,
    status: o.status,
    created_at: new Date(o.createdAt).toISOString(),
  };
}

/** Which injected failure, if any, this request suffers. */
type Injected = 'none' | 'db' | 'payment';

/** Orders, customers and products with their caches. */
export class OrderService {
  private readonly customers: SimulatedCache<{ id: string }>;
  private readonly products: SimulatedCache<{ sku: string; inStock: boolean }>;
  private readonly ordersCache: SimulatedCache<StoredOrder>;

  constructor(
    private readonly db: SimulatedDatabase,
    private readonly payments: PaymentGateway,
    private readonly metrics: OrdersMetrics,
    private readonly faults: FaultSettings,
    private readonly random: RandomSource,
  ) {
    const counters = { hits: metrics.cacheHits, misses: metrics.cacheMisses };
    this.customers = new SimulatedCache('customers', counters);
    this.products = new SimulatedCache('products', counters);
    this.ordersCache = new SimulatedCache('orders', counters);
  }

  private injected(withPayment: boolean): Injected {
    if (this.faults.errorRate <= 0 || this.random() >= this.faults.errorRate) return 'none';
    return withPayment && this.random() < 0.5 ? 'payment' : 'db';
  }

  private async addedLatency(): Promise<void> {
    if (this.faults.extraLatencySeconds > 0) await sleep(this.faults.extraLatencySeconds * 1000);
  }

  /**
   * Saves and charges a validated order: 201 `{order_id, status:"paid", total}`, or 402
   * `{error, reason}` when the payment is declined or the token invalid.
   * @throws {DatabaseError | PaymentTimeoutError} on failures the caller answers with 500
   */
  async create(order: OrderRequest): Promise<ServiceReply> {
    const inject = this.injected(true);
    await this.addedLatency();
    if (this.customers.get(order.customer_id) === undefined) {
      const customer = await this.db.query('select', () => ({ id: order.customer_id }));
      this.customers.set(order.customer_id, customer);
    }
    for (const sku of new Set(order.items.map((i) => i.sku))) {
      if (this.products.get(sku) === undefined) {
        const product = await this.db.query('select', () => ({ sku, inStock: true }));
        this.products.set(sku, product);
      }
    }
    const total = orderTotal(order.items);
    const saved = await this.db.query(
      'insert',
      () =>
        this.db.insertOrder({
          customer_id: order.customer_id,
          items: order.items,
          payment_method: order.payment_method,
          total,
        }),
      inject === 'db',
    );
    const result = await this.payments.charge(total, order.payment_token, inject === 'payment');
    if (result !== 'approved') {
      await this.db.query('update', () => this.db.updateStatus(saved.order_id, 'payment_failed'));
      this.metrics.ordersTotal.inc({ status: 'payment_failed' });
      return { status: 402, body: { error: `Payment failed: ${result}`, reason: result, order_id: saved.order_id } };
    }
    await this.db.query('update', () => this.db.updateStatus(saved.order_id, 'paid'));
    this.metrics.ordersCreated.inc({ payment_method: order.payment_method });
    this.metrics.orderValue.observe(total);
    this.metrics.ordersTotal.inc({ status: 'success' });
    return { status: 201, body: { order_id: saved.order_id, status: 'paid', total } };
  }

  /**
   * Looks an order up, cache first: 200 with the order, 404 when unknown, 400 for an id that is
   * not a positive integer.
   * @throws {DatabaseError} on failures the caller answers with 500
   */
  async get(idText: string): Promise<ServiceReply> {
    if (!/^[1-9][0-9]{0,14}$/.test(idText)) return { status: 400, body: { error: 'order id must be a positive integer' } };
    const inject = this.injected(false);
    await this.addedLatency();
    const cached = this.ordersCache.get(idText);
    if (cached !== undefined && inject === 'none') return { status: 200, body: view(cached) };
    const found = await this.db.query('select', () => this.db.findOrder(Number(idText)), inject === 'db');
    if (found === undefined) return { status: 404, body: { error: 'Order not found' } };
    this.ordersCache.set(idText, found);
    return { status: 200, body: view(found) };
  }
}
