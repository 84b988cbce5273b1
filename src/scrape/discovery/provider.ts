/**
 * The shape of a running service-discovery mechanism inside a scrape pool: it is started once,
 * reports the complete list of its target groups through the callback it was built with whenever
 * that list changes, and is stopped when its config goes away.
 */

/** A running discovery mechanism. */
export interface DiscoveryProvider {
  /** Starts discovery; may report the first groups synchronously. */
  start(): void;
  /** Stops all timers, watchers and requests. */
  stop(): void;
}
