/**
 * Silences, as Alertmanager's `silence` package: create/update (`Set`), expire, query by state or
 * matching label set, garbage collection after the retention period (`--data.retention`, 120h
 * after a silence ends) and persistence to a state file in `--storage.path`.
 *
 * A silence is `pending` before `startsAt`, `active` until `endsAt`, `expired` from `endsAt` on.
 * Updating a silence keeps its ID only when the matchers are unchanged and the change does not
 * rewrite its past (upstream `canUpdate`); otherwise the old one is expired and a new ID issued.
 */
import { randomUUID } from 'node:crypto';
import { AmMatcher } from './matcher.js';
import { isValidLabelName } from '../model/labels.js';
import { RE2JS } from 're2js';
import { StateWriter, readState } from './persist.js';

/** One matcher of a silence, in API v2 form. */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** A silence. Times in ms. */
export interface Silence {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  createdBy: string;
  comment: string;
}

/** Silence states. */
export type SilenceState = 'expired' | 'active' | 'pending';

/** Thrown by {@link Silences.set} / {@link Silences.expire}; `notFound` for unknown IDs. */
export class SilenceError extends Error {
  override name = 'SilenceError';
  constructor(
    message: string,
    readonly notFound = false,
  ) {
    super(message);
  }
}

/** State of a silence at `now` (ms). */
export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now < s.startsAt) return 'pending';
  if (now < s.endsAt) return 'active';
  return 'expired';
}

/** The compiled matchers of a silence. */
export function silenceMatchers(s: Silence): AmMatcher[] {
  return s.matchers.map((m) => new AmMatcher(m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=', m.name, m.value));
}

function validateMatcher(m: SilenceMatcher): string | null {
  if (!isValidLabelName(m.name)) return `invalid label name ${JSON.stringify(m.name)}`;
  if (m.isRegex) {
    try {
      RE2JS.compile(m.value);
    } catch (e) {
      return `invalid regular expression ${JSON.stringify(m.value)}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return null;
}

function matchesEmpty(m: SilenceMatcher): boolean {
  if (!m.isEqual) return false;
  if (!m.isRegex) return m.value === '';
  try {
    return RE2JS.compile(m.value).matcher('').find();
  } catch {
    return false;
  }
}

/** Upstream `validateSilence`; returns the error text or null. */
export function validateSilence(s: Silence): string | null {
  if (s.id === '') return 'ID missing';
  if (s.matchers.length === 0) return 'at least one matcher required';
  let allEmpty = true;
  for (const [i, m] of s.matchers.entries()) {
    const err = validateMatcher(m);
    if (err) return `invalid label matcher ${i}: ${err}`;
    allEmpty = allEmpty && matchesEmpty(m);
  }
  if (allEmpty) return 'at least one matcher must not match the empty string';
  if (s.endsAt < s.startsAt) return 'end time must not be before start time';
  return null;
}

/** Seconds of 0001-01-01T00:00:00Z and of 10000-01-01T00:00:00Z: the range of a protobuf `Timestamp`. */
const MIN_TIMESTAMP_SECONDS = -62135596800;
const MAX_TIMESTAMP_SECONDS = 253402300800;

/**
 * Upstream's error for a time (ms) outside what a protobuf `Timestamp` holds (gogo/protobuf
 * `validateTimestamp`, with the timestamp printed by `%#v`), or null when it fits:
 * `timestamp: &types.Timestamp{Seconds: 253402732799,\nNanos: 0,\n} after 10000-01-01`.
 */
export function protobufTimestampError(ms: number): string | null {
  const seconds = Math.floor(ms / 1000);
  if (seconds >= MIN_TIMESTAMP_SECONDS && seconds < MAX_TIMESTAMP_SECONDS) return null;
  const nanos = (ms - seconds * 1000) * 1_000_000;
  const shown = `&types.Timestamp{Seconds: ${seconds},\nNanos: ${nanos},\n}`;
  return `timestamp: ${shown} ${seconds < MIN_TIMESTAMP_SECONDS ? 'before 0001-01-01' : 'after 10000-01-01'}`;
}

interface Entry {
  silence: Silence;
  /** ms: when GC drops the silence (endsAt + retention). */
  expiresAt: number;
  /** Compiled matchers (not persisted). */
  matchers?: AmMatcher[];
}

/** Options of {@link Silences}. */
export interface SilencesOptions {
  now: () => number;
  /** ms a silence is kept after it ended (`--data.retention`, default 120h). */
  retention?: number;
  /** State file (e.g. `<storage.path>/silences.json`); none keeps silences in memory only. */
  file?: string;
  /** Called when writing the state file fails. */
  onWriteError?: (e: unknown) => void;
}

/** The silence store. */
export class Silences {
  private readonly st = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly retention: number;
  private readonly writer: StateWriter | null;

  /** @throws {StateFileError} when the state file exists but is unreadable. */
  constructor(opts: SilencesOptions) {
    this.now = opts.now;
    this.retention = opts.retention ?? 120 * 3600_000;
    this.writer = opts.file
      ? new StateWriter(opts.file, () => [...this.st.values()].map((e) => ({ silence: e.silence, expiresAt: e.expiresAt })), opts.onWriteError)
      : null;
    if (opts.file) for (const e of readState<Entry>(opts.file)) this.st.set(e.silence.id, { silence: e.silence, expiresAt: e.expiresAt });
  }

  private store(s: Silence, now: number): void {
    s.updatedAt = now;
    const err = validateSilence(s);
    if (err) throw new SilenceError(`silence invalid: ${err}`);
    const expiresAt = s.endsAt + this.retention;
    // Upstream stores silences as protobuf, whose timestamps stop at year 9999: checked in the
    // order its encoder writes them.
    for (const t of [expiresAt, s.updatedAt, s.endsAt, s.startsAt]) {
      const bad = protobufTimestampError(t);
      if (bad) throw new SilenceError(bad);
    }
    this.st.set(s.id, { silence: s, expiresAt });
    this.writer?.markDirty();
  }

  /**
   * Creates a silence (empty `id`) or updates one, as upstream `Silences.Set`; returns its ID
   * (a new one when the update cannot be done in place).
   * @throws {SilenceError} `silence not found` (notFound) for an unknown ID, `silence invalid: …`,
   *   or {@link protobufTimestampError}'s text when `endsAt` + retention is past year 9999
   */
  set(input: Omit<Silence, 'updatedAt'>): string {
    const now = this.now();
    const sil: Silence = { ...input, matchers: input.matchers.map((m) => ({ ...m })), updatedAt: now };
    const prev = sil.id !== '' ? this.st.get(sil.id)?.silence : undefined;
    if (sil.id !== '' && !prev) throw new SilenceError('silence not found', true);
    if (prev) {
      if (canUpdate(prev, sil, now)) {
        this.store(sil, now);
        return sil.id;
      }
      if (silenceState(prev, now) !== 'expired') this.expireSilence(prev, now);
    }
    sil.id = randomUUID();
    if (sil.startsAt < now) sil.startsAt = now;
    this.store(sil, now);
    return sil.id;
  }

  /**
   * Expires a silence now (a pending one gets start = end = now); expired ones are left alone.
   * @throws {SilenceError} `silence not found` (notFound)
   */
  expire(id: string): void {
    const e = this.st.get(id);
    if (!e) throw new SilenceError('silence not found', true);
    this.expireSilence(e.silence, this.now());
  }

  private expireSilence(prev: Silence, now: number): void {
    const s: Silence = { ...prev };
    switch (silenceState(s, now)) {
      case 'expired':
        return;
      case 'active':
        s.endsAt = now;
        break;
      case 'pending':
        s.startsAt = now;
        s.endsAt = now;
        break;
    }
    this.store(s, now);
  }

  /** The silence with this ID (a copy). */
  get(id: string): Silence | undefined {
    const e = this.st.get(id);
    return e ? structuredClone(e.silence) : undefined;
  }

  /** All silences (copies), optionally only those in the given states. */
  list(states?: readonly SilenceState[]): Silence[] {
    const now = this.now();
    const out: Silence[] = [];
    for (const e of this.st.values()) {
      if (!states || states.includes(silenceState(e.silence, now))) out.push(structuredClone(e.silence));
    }
    return out;
  }

  /** Active and pending silences whose matchers all match `labels`, split by state, IDs sorted. */
  matching(labels: Readonly<Record<string, string>>): { active: string[]; pending: string[] } {
    const now = this.now();
    const active: string[] = [];
    const pending: string[] = [];
    for (const e of this.st.values()) {
      const state = silenceState(e.silence, now);
      if (state === 'expired') continue;
      e.matchers ??= silenceMatchers(e.silence);
      if (!e.matchers.every((m) => m.matches(labels[m.name] ?? ''))) continue;
      (state === 'active' ? active : pending).push(e.silence.id);
    }
    return { active: active.sort(), pending: pending.sort() };
  }

  /** Number of silences per state (for `alertmanager_silences{state}`). */
  countByState(): Record<SilenceState, number> {
    const now = this.now();
    const out: Record<SilenceState, number> = { active: 0, pending: 0, expired: 0 };
    for (const e of this.st.values()) out[silenceState(e.silence, now)]++;
    return out;
  }

  /** Drops silences past their retention; returns how many. */
  gc(): number {
    const now = this.now();
    let n = 0;
    for (const [id, e] of this.st) {
      if (e.expiresAt <= now) {
        this.st.delete(id);
        n++;
      }
    }
    if (n > 0) this.writer?.markDirty();
    return n;
  }

  /** Writes pending changes to the state file now (changes are otherwise written within a second). */
  persist(): void {
    this.writer?.flush();
  }
}

function sameMatchers(a: readonly SilenceMatcher[], b: readonly SilenceMatcher[]): boolean {
  return (
    a.length === b.length &&
    a.every((m, i) => m.name === b[i]!.name && m.value === b[i]!.value && m.isRegex === b[i]!.isRegex && m.isEqual === b[i]!.isEqual)
  );
}

/** Upstream `canUpdate`: whether `b` may replace `a` in place at `now`. */
function canUpdate(a: Silence, b: Silence, now: number): boolean {
  if (!sameMatchers(a.matchers, b.matchers)) return false;
  switch (silenceState(a, now)) {
    case 'active':
      return Math.floor(b.startsAt / 1000) === Math.floor(a.startsAt / 1000) && b.endsAt >= now;
    case 'pending':
      return b.startsAt >= now;
    case 'expired':
      return false;
  }
}

