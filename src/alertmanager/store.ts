/**
 * The alert store (upstream `provider/mem`) and the alert status marker (`types.Marker`).
 *
 * The store keeps one alert per fingerprint; a re-sent alert whose active interval overlaps the
 * stored one is merged (earliest start, latest explicit end). Subscribers (dispatcher, inhibitor)
 * are called synchronously for each stored alert; a new subscriber first receives every stored
 * alert, unless it takes them from {@link AlertStore.list} itself (the dispatcher does, in
 * slices). {@link AlertStore.gc} drops resolved alerts (upstream runs it every
 * `--alerts.gc-interval`, 30m).
 */
import { mergeAlerts, resolvedAt, type Alert } from './alert.js';

/** Alert states of API v2: `unprocessed` (not yet seen by the pipeline), `active`, `suppressed`. */
export type AlertState = 'unprocessed' | 'active' | 'suppressed';

/** The status of one alert as API v2 reports it. */
export interface AlertStatus {
  state: AlertState;
  /** IDs of active silences muting the alert, sorted. */
  silencedBy: string[];
  /** Fingerprints of the alerts inhibiting it. */
  inhibitedBy: string[];
}

/** Tracks silenced/inhibited status per alert fingerprint, as upstream `types.Marker`. */
export class Marker {
  private readonly m = new Map<string, { silencedBy: string[]; pendingSilences: string[]; inhibitedBy: string[] }>();

  private entry(fp: string) {
    let e = this.m.get(fp);
    if (!e) {
      e = { silencedBy: [], pendingSilences: [], inhibitedBy: [] };
      this.m.set(fp, e);
    }
    return e;
  }

  /** Records the active and pending silences matching the alert. */
  setSilenced(fp: string, active: string[], pending: string[]): void {
    const e = this.entry(fp);
    e.silencedBy = active;
    e.pendingSilences = pending;
  }

  /** Records the alerts inhibiting this one (empty: not inhibited). */
  setInhibited(fp: string, by: string[]): void {
    this.entry(fp).inhibitedBy = by;
  }

  /** The alert's status; `unprocessed` until it was marked. */
  status(fp: string): AlertStatus {
    const e = this.m.get(fp);
    if (!e) return { state: 'unprocessed', silencedBy: [], inhibitedBy: [] };
    const suppressed = e.silencedBy.length > 0 || e.inhibitedBy.length > 0;
    return { state: suppressed ? 'suppressed' : 'active', silencedBy: [...e.silencedBy], inhibitedBy: [...e.inhibitedBy] };
  }

  /** Forgets an alert. */
  delete(fp: string): void {
    this.m.delete(fp);
  }
}

/** A callback for stored alerts. */
export type AlertListener = (a: Alert) => void;

/** The in-memory alert provider. */
export class AlertStore {
  private readonly alerts = new Map<string, Alert>();
  private readonly listeners = new Set<AlertListener>();

  /**
   * @param marker status marker, cleared for alerts removed by {@link gc}
   * @param now clock (ms)
   */
  constructor(
    private readonly marker: Marker,
    private readonly now: () => number,
  ) {}

  /** Stores alerts (merging with overlapping stored copies) and notifies subscribers. */
  put(alerts: readonly Alert[]): void {
    const now = this.now();
    for (let a of alerts) {
      const old = this.alerts.get(a.fingerprint);
      if (old && ((a.endsAt > old.startsAt && a.endsAt < old.endsAt) || (a.startsAt > old.startsAt && a.startsAt < old.endsAt))) {
        a = mergeAlerts(old, a, now);
      }
      this.alerts.set(a.fingerprint, a);
      for (const l of this.listeners) l(a);
    }
  }

  /** All stored alerts (resolved ones included until {@link gc}). */
  list(): Alert[] {
    return [...this.alerts.values()];
  }

  /**
   * Subscribes to stored alerts; unless `replay` is false, `fn` is first called for every alert
   * already stored. Returns an unsubscribe function.
   */
  subscribe(fn: AlertListener, replay = true): () => void {
    if (replay) for (const a of this.alerts.values()) fn(a);
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The stored alert with this fingerprint (the object last stored), if any. */
  get(fingerprint: string): Alert | undefined {
    return this.alerts.get(fingerprint);
  }

  /** Deletes alerts resolved at the current time; returns them. */
  gc(): Alert[] {
    const now = this.now();
    const gone: Alert[] = [];
    for (const [fp, a] of this.alerts) {
      if (resolvedAt(a, now)) {
        this.alerts.delete(fp);
        this.marker.delete(fp);
        gone.push(a);
      }
    }
    return gone;
  }

  /** Number of non-resolved alerts per marker state (for `alertmanager_alerts{state}`). */
  countByState(): Record<AlertState, number> {
    const now = this.now();
    const out: Record<AlertState, number> = { unprocessed: 0, active: 0, suppressed: 0 };
    for (const a of this.alerts.values()) if (!resolvedAt(a, now)) out[this.marker.status(a.fingerprint).state]++;
    return out;
  }
}
