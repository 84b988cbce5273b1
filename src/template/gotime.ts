/**
 * Go's `time.Time`, `time.Duration` and `time.Location` as template values, so templates can use
 * the methods and layouts they use with Prometheus and Alertmanager: `{{ .StartsAt.Format
 * "2006-01-02" }}`, `{{ (.StartsAt | tz "Europe/Berlin").String }}`, `{{ since .StartsAt }}`.
 *
 * Time zones come from the system tz database (`/usr/share/zoneinfo`, as Go's `LoadLocation`):
 * offsets through `Intl`, abbreviations (`CET`, `EDT`, `+03`) from the TZif files.
 */
import { readFileSync } from 'node:fs';
import { DAY_NAMES, formatTime, MONTH_NAMES, type Clock } from './timefmt.js';
import { GO_TYPE } from './values.js';

const NS_PER_MS = 1_000_000n;

/** A Go `time.Duration`: signed nanoseconds (bigint). `String()` gives Go's `1h2m3.5s` form. */
export class GoDuration {
  readonly [GO_TYPE] = 'time.Duration';
  constructor(readonly ns: bigint) {}

  /** From milliseconds. */
  static fromMs(ms: number): GoDuration {
    return new GoDuration(BigInt(Math.round(ms * 1e6)));
  }

  /** Go's `Duration.String`, e.g. `72h3m0.5s`, `1.5ms`, `0s`. */
  String(): string {
    let u = this.ns < 0n ? -this.ns : this.ns;
    const neg = this.ns < 0n;
    let out: string;
    if (u < 1_000_000_000n) {
      if (u === 0n) return '0s';
      let prec: number;
      let unit: string;
      if (u < 1000n) {
        prec = 0;
        unit = 'ns';
      } else if (u < 1_000_000n) {
        prec = 3;
        unit = 'µs';
      } else {
        prec = 6;
        unit = 'ms';
      }
      const [frac, rest] = fmtFrac(u, prec);
      out = rest.toString() + frac + unit;
    } else {
      const [frac, secs] = fmtFrac(u, 9);
      u = secs;
      out = (u % 60n).toString() + frac + 's';
      u /= 60n;
      if (u > 0n) {
        out = (u % 60n).toString() + 'm' + out;
        u /= 60n;
        if (u > 0n) out = u.toString() + 'h' + out;
      }
    }
    return neg ? '-' + out : out;
  }
  Seconds(): number {
    return Number(this.ns) / 1e9;
  }
  Minutes(): number {
    return Number(this.ns) / 6e10;
  }
  Hours(): number {
    return Number(this.ns) / 3.6e12;
  }
  Milliseconds(): bigint {
    return this.ns / NS_PER_MS;
  }
  Nanoseconds(): bigint {
    return this.ns;
  }
}

/** `.123` fraction of `v / 10^prec` without trailing zeros (empty when zero), and `v / 10^prec`. */
function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const d = v % 10n;
    print ||= d !== 0n;
    if (print) digits = d.toString() + digits;
    v /= 10n;
  }
  return [print ? '.' + digits : '', v];
}

/** Offset (seconds east of UTC) and abbreviation of a zone at an instant. */
interface ZoneInfo {
  offset: number;
  abbr: string;
}

/** Transition data of a TZif file: instants (s), the type in force from each, and the types. */
interface TzData {
  times: number[];
  idx: number[];
  types: { offset: number; abbr: string }[];
}

function readTzif(name: string): TzData | null {
  let buf: Buffer;
  try {
    buf = readFileSync(`/usr/share/zoneinfo/${name}`);
  } catch {
    return null;
  }
  if (buf.length < 44 || buf.toString('latin1', 0, 4) !== 'TZif') return null;
  const header = (at: number) => ({
    isutcnt: buf.readUInt32BE(at + 20),
    isstdcnt: buf.readUInt32BE(at + 24),
    leapcnt: buf.readUInt32BE(at + 28),
    timecnt: buf.readUInt32BE(at + 32),
    typecnt: buf.readUInt32BE(at + 36),
    charcnt: buf.readUInt32BE(at + 40),
  });
  let h = header(0);
  let at = 44;
  let size = 4;
  if (buf[4]! >= 0x32) {
    at += h.timecnt * 5 + h.typecnt * 6 + h.charcnt + h.leapcnt * 8 + h.isstdcnt + h.isutcnt;
    h = header(at);
    at += 44;
    size = 8;
  }
  const times: number[] = [];
  for (let i = 0; i < h.timecnt; i++, at += size) {
    times.push(size === 8 ? Number(buf.readBigInt64BE(at)) : buf.readInt32BE(at));
  }
  const idx: number[] = [];
  for (let i = 0; i < h.timecnt; i++, at++) idx.push(buf[at]!);
  const raw: { offset: number; abbrind: number }[] = [];
  for (let i = 0; i < h.typecnt; i++, at += 6) raw.push({ offset: buf.readInt32BE(at), abbrind: buf[at + 5]! });
  const chars = buf.toString('latin1', at, at + h.charcnt);
  const types = raw.map((t) => ({ offset: t.offset, abbr: chars.slice(t.abbrind, chars.indexOf('\0', t.abbrind)) }));
  return { times, idx, types };
}

/** A Go `*time.Location`: UTC, Local or a tz database zone. */
export class GoLocation {
  readonly [GO_TYPE] = '*time.Location';
  private readonly fmt: Intl.DateTimeFormat | null;
  private tz: TzData | null | undefined;

  /** Use {@link loadLocation}. */
  constructor(
    private readonly name: string,
    private readonly ianaName: string | null,
  ) {
    this.fmt =
      ianaName === null
        ? null
        : new Intl.DateTimeFormat('en-US', {
            timeZone: ianaName,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
            era: 'short',
          });
  }

  /** Go's `Location.String`: the name given to `LoadLocation` (`UTC`, `Local`, `Europe/Berlin`). */
  String(): string {
    return this.name;
  }

  /** Offset and abbreviation in force at `sec` (Unix seconds). */
  zoneAt(sec: number): ZoneInfo {
    if (this.fmt === null) return { offset: 0, abbr: 'UTC' };
    const offset = this.intlOffset(sec);
    return { offset, abbr: this.abbreviation(sec, offset) };
  }

  private intlOffset(sec: number): number {
    const probe = Math.max(Math.min(sec, 8.64e12), -8.64e12);
    const parts: Record<string, string> = {};
    for (const p of this.fmt!.formatToParts(new Date(probe * 1000))) parts[p.type] = p.value;
    let year = Number(parts.year);
    if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
    const local = daysFromCivil(year, Number(parts.month), Number(parts.day)) * 86400 +
      Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second);
    return local - Math.floor(probe);
  }

  private abbreviation(sec: number, offset: number): string {
    if (this.tz === undefined) this.tz = readTzif(this.ianaName!);
    const tz = this.tz;
    if (tz) {
      let lo = 0;
      let hi = tz.times.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (tz.times[mid]! <= sec) lo = mid + 1;
        else hi = mid;
      }
      const current = lo > 0 ? tz.types[tz.idx[lo - 1]!] : tz.types[0];
      if (current && current.offset === offset) return current.abbr;
      for (let i = tz.idx.length - 1; i >= 0; i--) {
        const t = tz.types[tz.idx[i]!]!;
        if (t.offset === offset) return t.abbr;
      }
    }
    const m = Math.abs(offset) / 60;
    const sign = offset < 0 ? '-' : '+';
    const hh = String(Math.floor(m / 60)).padStart(2, '0');
    return m % 60 === 0 ? sign + hh : sign + hh + String(m % 60).padStart(2, '0');
  }
}

/** Go's `time.UTC`. */
export const UTC = new GoLocation('UTC', null);

let localLocation: GoLocation | null = null;
/** Go's `time.Local`: the zone of `TZ` or the system setting. */
export function localLoc(): GoLocation {
  if (!localLocation) {
    const zone = process.env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    localLocation = zone === 'UTC' ? UTC : new GoLocation('Local', zone);
  }
  return localLocation;
}

/**
 * Go's `time.LoadLocation`: `''` and `UTC` give UTC, `Local` the local zone, other names a tz
 * database zone. Locations are cached.
 * @throws {Error} `unknown time zone NAME` for names the tz database does not know.
 */
export function loadLocation(name: string): GoLocation {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return localLoc();
  const cached = locations.get(name);
  if (cached) return cached;
  if (name.includes('..') || name.startsWith('/') || name.includes('\\')) throw new Error(`time: invalid location name`);
  let loc: GoLocation;
  try {
    loc = new GoLocation(name, name);
  } catch {
    throw new Error(`unknown time zone ${name}`);
  }
  locations.set(name, loc);
  return loc;
}
const locations = new Map<string, GoLocation>();

/** Days since 1970-01-01 of a proleptic Gregorian date. */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Proleptic Gregorian date of a day number (days since 1970-01-01). */
function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** Seconds of Go's zero time (0001-01-01 00:00:00 UTC) relative to the Unix epoch. */
const ZERO_SEC = -62135596800;

/**
 * A Go `time.Time`: Unix seconds + nanoseconds in a {@link GoLocation}. Methods are Go's (the
 * ones templates use): `Format`, `String`, `Unix`, `UnixMilli`, `UnixNano`, `UTC`, `Local`, `In`,
 * `Add`, `Sub`, `Before`, `After`, `Equal`, `IsZero`, `Year`…`Nanosecond`, `Weekday`, `YearDay`,
 * `Location`. Integer results are bigints (Go ints).
 */
export class GoTime {
  readonly [GO_TYPE] = 'time.Time';

  constructor(
    /** Whole seconds since the Unix epoch. */
    readonly sec: number,
    /** Nanoseconds within the second, 0 ≤ nsec < 1e9. */
    readonly nsec: number,
    readonly loc: GoLocation = UTC,
  ) {}

  /** From Unix milliseconds (Lookout's timestamps). */
  static fromMs(ms: number, loc: GoLocation = UTC): GoTime {
    const sec = Math.floor(ms / 1000);
    return new GoTime(sec, Math.round((ms - sec * 1000) * 1e6), loc);
  }

  /** Go's zero `time.Time` (0001-01-01 00:00:00 UTC). */
  static zero(): GoTime {
    return new GoTime(ZERO_SEC, 0, UTC);
  }

  /** Unix milliseconds (sub-millisecond part truncated). */
  toMs(): number {
    return this.sec * 1000 + Math.floor(this.nsec / 1e6);
  }

  private clock(): Clock {
    const { offset, abbr } = this.loc.zoneAt(this.sec);
    const local = this.sec + offset;
    const days = Math.floor(local / 86400);
    const rem = local - days * 86400;
    const { y, m, d } = civilFromDays(days);
    return {
      year: y,
      month: m,
      day: d,
      yday: days - daysFromCivil(y, 1, 1) + 1,
      weekday: (((days + 4) % 7) + 7) % 7,
      hour: Math.floor(rem / 3600),
      min: Math.floor((rem % 3600) / 60),
      sec: rem % 60,
      nsec: this.nsec,
      offset,
      abbr,
    };
  }

  /** Go's `Time.Format` with a reference-time layout (`2006-01-02T15:04:05Z07:00`, `Jan _2 3:04PM`, …). */
  Format(layout: string): string {
    return formatTime(this.clock(), layout);
  }
  /** `2006-01-02 15:04:05.999999999 -0700 MST`, as Go's `Time.String`. */
  String(): string {
    return this.Format('2006-01-02 15:04:05.999999999 -0700 MST');
  }
  Unix(): bigint {
    return BigInt(this.sec);
  }
  UnixMilli(): bigint {
    return BigInt(this.sec) * 1000n + BigInt(Math.floor(this.nsec / 1e6));
  }
  UnixNano(): bigint {
    return BigInt(this.sec) * 1_000_000_000n + BigInt(this.nsec);
  }
  UTC(): GoTime {
    return new GoTime(this.sec, this.nsec, UTC);
  }
  Local(): GoTime {
    return new GoTime(this.sec, this.nsec, localLoc());
  }
  In(loc: GoLocation): GoTime {
    return new GoTime(this.sec, this.nsec, loc);
  }
  Location(): GoLocation {
    return this.loc;
  }
  Add(d: GoDuration): GoTime {
    const total = this.UnixNano() + d.ns;
    const sec = total / 1_000_000_000n - (total % 1_000_000_000n < 0n ? 1n : 0n);
    return new GoTime(Number(sec), Number(total - sec * 1_000_000_000n), this.loc);
  }
  Sub(u: GoTime): GoDuration {
    return new GoDuration(this.UnixNano() - u.UnixNano());
  }
  Before(u: GoTime): boolean {
    return this.UnixNano() < u.UnixNano();
  }
  After(u: GoTime): boolean {
    return this.UnixNano() > u.UnixNano();
  }
  Equal(u: GoTime): boolean {
    return this.UnixNano() === u.UnixNano();
  }
  IsZero(): boolean {
    return this.sec === ZERO_SEC && this.nsec === 0;
  }
  Year(): bigint {
    return BigInt(this.clock().year);
  }
  Month(): GoMonth {
    return new GoMonth(this.clock().month);
  }
  Day(): bigint {
    return BigInt(this.clock().day);
  }
  YearDay(): bigint {
    return BigInt(this.clock().yday);
  }
  Weekday(): GoWeekday {
    return new GoWeekday(this.clock().weekday);
  }
  Hour(): bigint {
    return BigInt(this.clock().hour);
  }
  Minute(): bigint {
    return BigInt(this.clock().min);
  }
  Second(): bigint {
    return BigInt(this.clock().sec);
  }
  Nanosecond(): bigint {
    return BigInt(this.nsec);
  }
}

/** Go's `time.Month` (prints as `January`). */
export class GoMonth {
  readonly [GO_TYPE] = 'time.Month';
  constructor(readonly n: number) {}
  String(): string {
    return MONTH_NAMES[this.n - 1] ?? `%!Month(${this.n})`;
  }
}

/** Go's `time.Weekday` (prints as `Sunday`). */
export class GoWeekday {
  readonly [GO_TYPE] = 'time.Weekday';
  constructor(readonly n: number) {}
  String(): string {
    return DAY_NAMES[this.n] ?? `%!Weekday(${this.n})`;
  }
}
