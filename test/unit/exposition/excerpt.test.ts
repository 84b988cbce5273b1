/**
 * Error messages quote bounded excerpts of the input: a huge bad line gives a short message
 * (attack report item 1), ordinary ones are unchanged.
 */
import { describe, expect, it } from 'vitest';
import { EXCERPT_MAX_BYTES, quoteExcerpt, quoteTextExcerpt, textExcerpt, validateOpenMetrics } from '../../../src/exposition/index.js';
import { parseError } from './helpers.js';

const A100 = 'a'.repeat(100);

describe('excerpts', () => {
  it('quotes short input whole, as Go %q', () => {
    expect(EXCERPT_MAX_BYTES).toBe(100);
    expect(quoteExcerpt(Buffer.from('x"y\n\xff', 'latin1'), 0, 5)).toBe('"x\\"y\\n\\xff"');
    expect(quoteExcerpt(Buffer.alloc(100, 'a'), 0, 100)).toBe(`"${A100}"`);
    expect(quoteTextExcerpt('é"')).toBe('"é\\""');
    expect(textExcerpt('name')).toBe('name');
  });

  it('cuts longer input to 100 bytes and gives the whole length', () => {
    expect(quoteExcerpt(Buffer.alloc(101, 'a'), 0, 101)).toBe(`"${A100}"... (101 bytes)`);
    expect(quoteExcerpt(Buffer.alloc(5000, 'a'), 10, 5000)).toBe(`"${A100}"... (4990 bytes)`);
    expect(quoteTextExcerpt('b'.repeat(300))).toBe(`"${'b'.repeat(100)}"... (300 bytes)`);
    expect(textExcerpt('c'.repeat(250), 200)).toBe(`${'c'.repeat(200)}... (250 bytes)`);
  });

  it('does not split a UTF-8 character or a surrogate pair at the cut', () => {
    // 99 ASCII bytes, then "é" (2 bytes) straddling the 100-byte cut.
    const b = Buffer.from('a'.repeat(99) + 'é' + 'z'.repeat(10));
    expect(quoteExcerpt(b, 0, b.length)).toBe(`"${'a'.repeat(99)}"... (111 bytes)`);
    const s = 'a'.repeat(99) + '😀' + 'z';
    expect(quoteTextExcerpt(s)).toBe(`"${'a'.repeat(99)}"... (104 bytes)`);
  });
});

describe('parse errors on huge lines', () => {
  // 20 MiB for the attack's own cases: quoting it whole took seconds and hundreds of MB; 2 MiB
  // for the rest, which only need to be longer than the excerpt.
  const HUGE = 20 * 1024 * 1024;
  const BIG = 2 * 1024 * 1024;

  it('a bare name without value, no newline (the gzip-bomb line)', () => {
    const body = Buffer.alloc(HUGE, 'a');
    for (const format of ['text', 'openmetrics'] as const) {
      const err = parseError(body, format);
      expect(err.line).toBe(1);
      expect(err.message).toBe(`expected value after metric, got "" while parsing: "${A100}"... (${HUGE} bytes)`);
    }
  });

  it('a name without value ending in a newline', () => {
    const body = Buffer.concat([Buffer.alloc(BIG, 'a'), Buffer.from('\n')]);
    expect(parseError(body, 'text').message).toBe(`expected value after metric, got "\\n" while parsing: "${A100}"... (${BIG + 1} bytes)`);
  });

  it('a huge label value before a bad sample value', () => {
    const body = Buffer.from(`m{l="${'v'.repeat(HUGE)}"} notanumber\n`);
    const entry = `"m{l=\\"${'v'.repeat(95)}"... (${HUGE + 18} bytes)`;
    expect(parseError(body, 'text').message).toBe(`strconv.ParseFloat: parsing "notanumber": invalid syntax while parsing: ${entry}`);
  });

  it('a huge value token', () => {
    const body = Buffer.from(`m 1${'x'.repeat(BIG)}\n`);
    expect(parseError(body, 'text').message).toBe(
      `strconv.ParseFloat: parsing "1${'x'.repeat(99)}"... (${BIG + 1} bytes): invalid syntax while parsing: "m 1${'x'.repeat(97)}"... (${BIG + 3} bytes)`,
    );
  });

  it('a huge TYPE word, HELP text and UNIT', () => {
    expect(parseError(`# TYPE m ${'c'.repeat(BIG)}\n`, 'text').message).toBe(`invalid metric type "${'c'.repeat(100)}"... (${BIG} bytes)`);
    expect(parseError(`# TYPE m ${'c'.repeat(BIG)}\n# EOF\n`, 'openmetrics').message).toBe(`invalid metric type "${'c'.repeat(100)}"... (${BIG} bytes)`);
    const help = Buffer.concat([Buffer.from('# HELP m '), Buffer.alloc(BIG, 'h'), Buffer.from([0xff, 10])]);
    expect(parseError(help, 'text').message).toBe(`help text "${'h'.repeat(100)}"... (${BIG + 1} bytes) is not a valid utf8 string`);
    expect(parseError(`# UNIT m ${'u'.repeat(BIG)}\n# EOF\n`, 'openmetrics').message).toBe(`unit "${'u'.repeat(100)}"... (${BIG} bytes) not a suffix of metric "m"`);
  });

  it('a huge duplicate label name and series', () => {
    const name = 'l'.repeat(1000);
    const series = `m{${name}="1",${name}="2"} 1\n`;
    expect(parseError(series, 'text').message).toBe(
      `duplicate label name "${'l'.repeat(100)}"... (1000 bytes) in series "m{${'l'.repeat(98)}"... (${series.length - 3} bytes)`,
    );
  });

  it('the OpenMetrics validator cuts long names in its messages', () => {
    const name = 'n'.repeat(5000);
    const err = (() => {
      try {
        validateOpenMetrics(Buffer.from(`# TYPE ${name} counter\n# TYPE ${name} counter\n# EOF\n`));
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    })();
    expect(err).toBe(`more than one TYPE for metric ${'n'.repeat(200 - 'more than one TYPE for metric '.length)}... (5030 bytes)`);
  });
});
