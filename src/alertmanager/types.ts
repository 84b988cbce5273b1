/**
 * The seam between alert producers (rule evaluation, remote Prometheus servers) and the
 * Alertmanager: the Alertmanager API v2 `PostableAlert` shape, so the in-process Alertmanager and
 * a real one over HTTP (`POST /api/v2/alerts`) receive exactly the same thing.
 */

/** An alert as posted to `POST /api/v2/alerts`. Times are RFC 3339 strings. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** When the alert started firing (RFC 3339); defaults to receipt time. */
  startsAt?: string;
  /** When the alert resolves (RFC 3339); in the past means resolved. Defaults to receipt + resolve_timeout. */
  endsAt?: string;
  generatorURL?: string;
}

/** Anything that accepts alerts: the in-process Alertmanager, or a client of a remote one. */
export interface AlertSink {
  /**
   * Delivers a batch of alerts. Rejects (throws) when the batch as a whole is invalid; the error
   * message is what Alertmanager's API would answer with status 400.
   */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
}
