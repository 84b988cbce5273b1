import { createParser, EntryType, type ExpositionFormat } from '../../../src/exposition/index.js';

/** One parsed entry, flattened for exact comparisons in tests. */
export type Parsed =
  | { kind: 'series'; line: number; key: string; labels: readonly string[]; value: number; ts?: number; exemplar?: unknown }
  | { kind: 'help'; line: number; family: string; help: string }
  | { kind: 'type'; line: number; family: string; type: string }
  | { kind: 'unit'; line: number; family: string; unit: string }
  | { kind: 'comment'; line: number };

/** Parses a whole body into entries (throws what the parser throws). */
export function parseAll(body: string | Buffer, format: ExpositionFormat): Parsed[] {
  const p = createParser(typeof body === 'string' ? Buffer.from(body, 'utf8') : body, format);
  const out: Parsed[] = [];
  for (;;) {
    const e = p.next();
    const line = p.line();
    if (e === EntryType.EOF) return out;
    if (e === EntryType.Series) {
      const s: Parsed = { kind: 'series', line, key: p.seriesKey(), labels: p.labels(), value: p.value() };
      const ts = p.timestamp();
      if (ts !== undefined) s.ts = ts;
      const ex = p.exemplar();
      if (ex !== null) s.exemplar = ex;
      out.push(s);
    } else if (e === EntryType.Help) out.push({ kind: 'help', line, family: p.family(), help: p.help() });
    else if (e === EntryType.Type) out.push({ kind: 'type', line, family: p.family(), type: p.type() });
    else if (e === EntryType.Unit) out.push({ kind: 'unit', line, family: p.family(), unit: p.unit() });
    else out.push({ kind: 'comment', line });
  }
}

/** The series entries only. */
export function seriesOf(body: string | Buffer, format: ExpositionFormat): Extract<Parsed, { kind: 'series' }>[] {
  return parseAll(body, format).filter((e): e is Extract<Parsed, { kind: 'series' }> => e.kind === 'series');
}

/** The error a parse throws (fails the test if it does not throw). */
export function parseError(body: string | Buffer, format: ExpositionFormat): { message: string; line: number } {
  try {
    parseAll(body, format);
  } catch (e) {
    const err = e as Error & { line: number };
    return { message: err.message, line: err.line };
  }
  throw new Error(`expected a parse error for ${JSON.stringify(body.toString())}`);
}
