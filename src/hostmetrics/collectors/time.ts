/**
 * `time` collector, as node_exporter 1.5 on Linux: `node_time_seconds` (now, float seconds since
 * the epoch), `node_time_zone_offset_seconds{time_zone}`, and
 * `node_time_clocksource_{available,current}_info{device,clocksource}` from
 * `<sysfs>/devices/system/clocksource/clocksource*`.
 *
 * The zone name is the short name `Intl` gives for the process's time zone (`UTC`, `CET`, or
 * `GMT+1` where the ICU data has no abbreviation); Go reads the abbreviation from the zoneinfo
 * file, so the two can differ outside UTC.
 */
import { readFile, readdir } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { fields } from '../text.js';
import type { Collector } from '../types.js';

let zoneFormat: Intl.DateTimeFormat | undefined;

/** The short name of the local time zone at `date` (`UTC` for UTC). */
export function zoneName(date: Date): string {
  zoneFormat ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });
  const part = zoneFormat.formatToParts(date).find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'UTC';
}

/** The `time` collector. `now` returns milliseconds since the epoch (injectable for tests). */
export class TimeCollector implements Collector {
  readonly name = 'time';

  constructor(
    private readonly paths: HostPaths,
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
  ) {}

  async update(out: MetricSet): Promise<void> {
    const ms = this.now();
    const date = new Date(ms);
    out.add('node_time_seconds', 'gauge', 'System time in seconds since epoch (1970).', ms / 1000);
    out.add('node_time_zone_offset_seconds', 'gauge', 'System time zone offset in seconds.', -date.getTimezoneOffset() * 60, {
      time_zone: zoneName(date),
    });
    const dir = this.paths.sys('devices/system/clocksource');
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => /^clocksource[0-9]/.test(n)).sort();
    } catch {
      return;
    }
    for (let i = 0; i < names.length; i++) {
      const base = `${dir}/${names[i]}`;
      const available = fields(await readFile(`${base}/available_clocksource`, 'utf8'));
      const current = (await readFile(`${base}/current_clocksource`, 'utf8')).trim();
      const device = String(i);
      for (const cs of available) {
        out.add('node_time_clocksource_available_info', 'gauge', "Available clocksources read from '/sys/devices/system/clocksource'.", 1, {
          device,
          clocksource: cs,
        });
      }
      out.add('node_time_clocksource_current_info', 'gauge', "Current clocksource read from '/sys/devices/system/clocksource'.", 1, {
        device,
        clocksource: current,
      });
    }
  }
}
