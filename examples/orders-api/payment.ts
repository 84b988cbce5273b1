/**
 * A simulated payment provider. Failures count `app_payment_failures_total{reason}` with the
 * article's reasons: `declined` (over the credit limit), `invalid_token` (a token that is not
 * `tok_…`), `timeout` (injected by `--error-rate`; the request fails with 500).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Counter } from 'prom-client';
import { uniform, type RandomSource } from './random.js';

/** Orders above this value, USD, are declined. */
export const CREDIT_LIMIT_USD = 10_000;
/** How long the provider is waited for before a charge times out, seconds. */
export const PAYMENT_TIMEOUT_SECONDS = 0.5;
const TOKEN_FORMAT = /^tok_[A-Za-z0-9]{4,}$/;

/** Thrown when the provider does not answer in time; answered with 500. */
export class PaymentTimeoutError extends Error {
  override name = 'PaymentTimeoutError';
}

/** Outcome of a charge that got an answer. */
export type ChargeResult = 'approved' | 'declined' | 'invalid_token';

/** The payment provider client. */
export class PaymentGateway {
  constructor(
    private readonly failures: Counter<'reason'>,
    private readonly random: RandomSource,
  ) {
    for (const reason of ['declined', 'timeout', 'invalid_token']) failures.inc({ reason }, 0);
  }

  /**
   * Charges `amountUsd`. Takes 5–30 ms; with `timeout` set it waits {@link PAYMENT_TIMEOUT_SECONDS}
   * and throws.
   * @throws {PaymentTimeoutError} when `timeout` is set
   */
  async charge(amountUsd: number, token: string | undefined, timeout = false): Promise<ChargeResult> {
    if (timeout) {
      await sleep(PAYMENT_TIMEOUT_SECONDS * 1000);
      this.failures.inc({ reason: 'timeout' });
      throw new PaymentTimeoutError(`payment provider did not answer within ${PAYMENT_TIMEOUT_SECONDS}s`);
    }
    await sleep(uniform(this.random, 5, 30));
    if (token !== undefined && !TOKEN_FORMAT.test(token)) {
      this.failures.inc({ reason: 'invalid_token' });
      return 'invalid_token';
    }
    if (amountUsd > CREDIT_LIMIT_USD) {
      this.failures.inc({ reason: 'declined' });
      return 'declined';
    }
    return 'approved';
  }
}
