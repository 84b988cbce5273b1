/**
 * The notification log (upstream `nflog`): for each (aggregation group, receiver integration) the
 * last successful notification — when, and which alerts were firing and resolved in it. The
 * dedup stage consults it so that a group is re-notified only when its content changed or
 * `repeat_interval` passed; it is persisted in `--storage.path` so a restart neither re-sends nor
 * forgets. An entry expires after `min(retention, 2 × repeat_interval)`.
 */
import { StateWriter, readState } from './persist.js';

/** Identifies one integration of a receiver (upstream `nflogpb.Receiver`). */
export interface NflogReceiver {
  /** Receiver name. */
  groupName: string;
  /** Integration name (`webhook`, `slack`, …). */
  integration: string;
  /** Index of the integration config within the receiver. */
  idx: number;
}

/** One notification log entry. Times in ms; alerts as fingerprints. */
export interface NflogEntry {
  groupKey: string;
  receiver: NflogReceiver;
  timestamp: number;
  firingAlerts: string[];
  resolvedAlerts: string[];
  expiresAt: number;
}

function stateKey(groupKey: string, r: NflogReceiver): string {
  return `${groupKey}:${r.groupName}/${r.integration}/${r.idx}`;
}

/** Options of {@link NotificationLog}. */
export interface NflogOptions {
  now: () => number;
  /** ms entries are kept at most (`--data.retention`, default 120h). */
  retention?: number;
  /** State file (e.g. `<storage.path>/nflog.json`); none keeps the log in memory only. */
  file?: string;
  /** Called when writing the state file fails. */
  onWriteError?: (e: unknown) => void;
}

/** The notification log. */
export class NotificationLog {
  private readonly st = new Map<string, NflogEntry>();
  private readonly now: () => number;
  private readonly retention: number;
  private readonly writer: StateWriter | null;

  /** @throws {StateFileError} when the state file exists but is unreadable. */
  constructor(opts: NflogOptions) {
    this.now = opts.now;
    this.retention = opts.retention ?? 120 * 3600_000;
    this.writer = opts.file ? new StateWriter(opts.file, () => [...this.st.values()], opts.onWriteError) : null;
    if (opts.file) for (const e of readState<NflogEntry>(opts.file)) this.st.set(stateKey(e.groupKey, e.receiver), e);
  }

  /**
   * Records a successful notification.
   * @param expiry ms after which the entry may be dropped (upstream passes 2 × repeat_interval);
   *   capped by the retention
   */
  log(receiver: NflogReceiver, groupKey: string, firing: string[], resolved: string[], expiry: number): void {
    const now = this.now();
    const ttl = expiry > 0 && this.retention > expiry ? expiry : this.retention;
    const e: NflogEntry = {
      groupKey,
      receiver: { ...receiver },
      timestamp: now,
      firingAlerts: [...firing],
      resolvedAlerts: [...resolved],
      expiresAt: now + ttl,
    };
    this.st.set(stateKey(groupKey, receiver), e);
    this.writer?.markDirty();
  }

  /** The entry for a group and integration, if any. */
  query(groupKey: string, receiver: NflogReceiver): NflogEntry | undefined {
    return this.st.get(stateKey(groupKey, receiver));
  }

  /** Drops expired entries; returns how many. */
  gc(): number {
    const now = this.now();
    let n = 0;
    for (const [k, e] of this.st) {
      if (e.expiresAt <= now) {
        this.st.delete(k);
        n++;
      }
    }
    if (n > 0) this.writer?.markDirty();
    return n;
  }

  /** Number of entries. */
  get size(): number {
    return this.st.size;
  }

  /** Writes pending changes to the state file now (changes are otherwise written within a second). */
  persist(): void {
    this.writer?.flush();
  }
}
