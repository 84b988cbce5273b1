/**
 * Test helpers: a `Head` loaded from series descriptions (`metric{l="v"} 0+10x5`, one value per
 * `stepMs` from t=0), as the conformance files' `load` command.
 */
import { parseSeriesDesc, SeriesPoint } from '../../../src/promql/series-desc.js';
import { Head } from '../../../src/tsdb/head.js';

/** A new head holding the given series (one description per line), samples every `stepMs`. */
export function loadHead(stepMs: number, text: string): Head {
  const head = new Head();
  const app = head.appender();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const d = parseSeriesDesc(line);
    const ref = app.seriesRef(d.labels);
    for (let i = 0; i < d.kinds.length; i++) {
      if (d.kinds[i] === SeriesPoint.Float) app.append(ref, i * stepMs, d.values[i]!);
    }
  }
  app.commit();
  return head;
}
