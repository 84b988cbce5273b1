/**
 * The order request body of `POST /api/orders` and its validation: a bad body is answered with
 * 400, as the article's `create_order` does for a missing `customer_id` or `items`.
 */

/** Payment methods the API accepts (the `payment_method` label values). */
export const PAYMENT_METHODS = ['credit_card', 'debit_card', 'paypal', 'bank_transfer'] as const;
/** One accepted payment method. */
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Most items one order may hold. */
export const MAX_ITEMS = 100;
/** Largest quantity of one item. */
export const MAX_QTY = 1000;
/** Highest unit price accepted, USD. */
export const MAX_PRICE = 1_000_000;

/** One order line: `qty` units of `sku` at `price` USD each. */
export interface OrderItem {
  sku: string;
  qty: number;
  price: number;
}

/** A validated order request. `customer_id` is normalised to a string. */
export interface OrderRequest {
  customer_id: string;
  items: OrderItem[];
  payment_method: PaymentMethod;
  /** Optional card token; when given it must look like `tok_…` or the payment fails with `invalid_token`. */
  payment_token?: string;
}

/** Validation outcome: the order, or the reason it was rejected (the 400 response's `error`). */
export type Validation = { ok: true; order: OrderRequest } | { ok: false; error: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateItem(item: unknown, i: number): OrderItem | string {
  if (!isRecord(item)) return `items[${i}] must be an object`;
  const { sku, qty, price } = item;
  if (typeof sku !== 'string' || sku.trim() === '') return `items[${i}].sku must be a non-empty string`;
  if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 1 || qty > MAX_QTY) {
    return `items[${i}].qty must be an integer from 1 to ${MAX_QTY}`;
  }
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0 || price > MAX_PRICE) {
    return `items[${i}].price must be a number from 0 to ${MAX_PRICE}`;
  }
  return { sku, qty, price };
}

/** Checks a parsed JSON body against the order schema. Never throws. */
export function validateOrder(body: unknown): Validation {
  if (!isRecord(body)) return { ok: false, error: 'Invalid input: body must be a JSON object' };
  const { customer_id, items, payment_method, payment_token } = body;
  let customer: string;
  if (typeof customer_id === 'string' && customer_id.trim() !== '') customer = customer_id;
  else if (typeof customer_id === 'number' && Number.isSafeInteger(customer_id) && customer_id > 0) customer = String(customer_id);
  else return { ok: false, error: 'Invalid input: customer_id is required' };
  if (!Array.isArray(items) || items.length === 0) return { ok: false, error: 'Invalid input: items is required' };
  if (items.length > MAX_ITEMS) return { ok: false, error: `Invalid input: at most ${MAX_ITEMS} items` };
  const lines: OrderItem[] = [];
  for (let i = 0; i < items.length; i++) {
    const line = validateItem(items[i], i);
    if (typeof line === 'string') return { ok: false, error: `Invalid input: ${line}` };
    lines.push(line);
  }
  if (typeof payment_method !== 'string' || !(PAYMENT_METHODS as readonly string[]).includes(payment_method)) {
    return { ok: false, error: `Invalid input: payment_method must be one of ${PAYMENT_METHODS.join(', ')}` };
  }
  if (payment_token !== undefined && typeof payment_token !== 'string') {
    return { ok: false, error: 'Invalid input: payment_token must be a string' };
  }
  const order: OrderRequest = { customer_id: customer, items: lines, payment_method: payment_method as PaymentMethod };
  if (payment_token !== undefined) order.payment_token = payment_token;
  return { ok: true, order };
}

/** The order's value in USD: Σ qty × price, rounded to cents. */
export function orderTotal(items: readonly OrderItem[]): number {
  let cents = 0;
  for (const it of items) cents += Math.round(it.qty * it.price * 100);
  return cents / 100;
}
