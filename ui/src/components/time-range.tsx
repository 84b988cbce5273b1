/**
 * A shared time range picker: relative ranges ("last 5m" … "last 30d", ending now) and absolute
 * from/to times. Ranges use Grafana's URL spellings, so they can be put in a URL as they are:
 * `now`, `now-<duration>` (durations as `parseRange`: s, m, h, d, w, y), or milliseconds since the epoch.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { parseRange } from '../format';

/** A time range as written in URLs: `{ from: 'now-1h', to: 'now' }` or epoch milliseconds as strings. */
export interface TimeRange {
  from: string;
  to: string;
}

/** The relative ranges offered, as durations. */
export const QUICK_RANGES = ['5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '2d', '7d', '30d'];

/**
 * Resolves one end of a range to epoch milliseconds: `now`, `now-15m`, a number of milliseconds, or
 * an ISO 8601 / RFC 3339 date. NaN when unreadable.
 */
export function parseTimeExpr(s: string, now: number): number {
  const t = s.trim();
  if (t === 'now') return now;
  const rel = /^now-(.+)$/.exec(t);
  if (rel) return now - parseRange(rel[1]!) * 1000;
  if (/^\d+$/.test(t)) return Number(t);
  return Date.parse(t);
}

/** Start and end (epoch ms) of `r` at `now`; throws Error naming the bad end when unreadable or reversed. */
export function resolveTimeRange(r: TimeRange, now = Date.now()): { start: number; end: number } {
  const start = parseTimeExpr(r.from, now);
  const end = parseTimeExpr(r.to, now);
  if (Number.isNaN(start)) throw new Error(`invalid start time "${r.from}"`);
  if (Number.isNaN(end)) throw new Error(`invalid end time "${r.to}"`);
  if (end < start) throw new Error('the end of the time range is before its start');
  return { start, end };
}

/** Whether the range ends now (so auto-refresh moves it). */
export function isRelative(r: TimeRange): boolean {
  return r.to.trim() === 'now';
}

/** A `YYYY-MM-DDTHH:MM` local-time string for `<input type=datetime-local>`. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** A short human label: "Last 1h", or "2026-11-30 03:00 → 2026-11-30 04:00" (local time). */
export function describeTimeRange(r: TimeRange): string {
  const rel = /^now-(.+)$/.exec(r.from.trim());
  if (rel && isRelative(r)) return `Last ${rel[1]}`;
  try {
    const { start, end } = resolveTimeRange(r);
    return `${localInput(start).replace('T', ' ')} → ${localInput(end).replace('T', ' ')}`;
  } catch {
    return `${r.from} → ${r.to}`;
  }
}

/** A button showing the range; opens a menu of relative ranges and absolute from/to inputs. */
export function TimeRangePicker(props: { value: TimeRange; onChange(r: TimeRange): void }) {
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState('');
  const root = useRef<HTMLSpanElement>(null);
  // A click elsewhere or Escape closes the menu.
  useEffect(() => {
    if (!open) return;
    const onClick = (e: MouseEvent) => root.current && !root.current.contains(e.target as Node) && setOpen(false);
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onClick);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onClick);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const toggle = () => {
    if (!open) {
      try {
        const { start, end } = resolveTimeRange(props.value);
        setFrom(localInput(start));
        setTo(localInput(end));
      } catch {
        setFrom('');
        setTo('');
      }
      setError('');
    }
    setOpen(!open);
  };
  const pick = (r: TimeRange) => {
    setOpen(false);
    props.onChange(r);
  };
  const applyAbsolute = (e: Event) => {
    e.preventDefault();
    const start = new Date(from).getTime();
    const end = new Date(to).getTime();
    if (Number.isNaN(start) || Number.isNaN(end)) return setError('Enter both times.');
    if (end <= start) return setError('"To" must be after "From".');
    pick({ from: String(start), to: String(end) });
  };
  return (
    <span class="time-range" ref={root}>
      <button type="button" class="time-range-button" onClick={toggle} title="Time range">
        {describeTimeRange(props.value)}
      </button>
      {open && (
        <div class="time-range-menu">
          <div class="quick-ranges">
            {QUICK_RANGES.map((d) => (
              <button type="button" data-range={d} onClick={() => pick({ from: `now-${d}`, to: 'now' })}>
                Last {d}
              </button>
            ))}
          </div>
          <form class="absolute-range" onSubmit={applyAbsolute}>
            <label>
              From <input type="datetime-local" name="from" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
            </label>
            <label>
              To <input type="datetime-local" name="to" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
            </label>
            {error && <div class="error">{error}</div>}
            <button type="submit" class="primary">
              Apply
            </button>
          </form>
        </div>
      )}
    </span>
  );
}
