/**
 * Lexer, parser and type checker: precedence, modifiers, literals, and error messages/positions
 * as Prometheus reports them (messages checked against Prometheus where its 2.42 and 3.x agree).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exprType, parseExpr, parseMetricSelector, PromQLError, type Expr } from '../../../src/promql/index.js';
import { tokenize } from '../../../src/promql/lexer.js';
import { parseGoFloat } from '../../../src/model/gofloat.js';
import { goUnquote } from '../../../src/model/goquote.js';
import { parseGoInt } from '../../../src/promql/literals.js';

/** A compact rendering of the tree: operators and operands with explicit parentheses. */
function show(e: Expr): string {
  switch (e.type) {
    case 'NumberLiteral':
      return String(e.val);
    case 'StringLiteral':
      return JSON.stringify(e.val);
    case 'VectorSelector': {
      let s = e.name || `{${e.matchers.map((m) => m.toString()).join(',')}}`;
      if (e.offset) s += ` offset ${e.offset}ms`;
      if (e.at !== null) s += ` @${e.at}`;
      if (e.atMode) s += ` @${e.atMode}()`;
      return s;
    }
    case 'MatrixSelector':
      return `${show(e.vs)}[${e.range}ms]`;
    case 'SubqueryExpr':
      return `${show(e.expr)}[${e.range}ms:${e.step}ms]${e.offset ? ` offset ${e.offset}ms` : ''}`;
    case 'ParenExpr':
      return `(${show(e.expr)})`;
    case 'UnaryExpr':
      return `${e.op}(${show(e.expr)})`;
    case 'BinaryExpr':
      return `(${show(e.lhs)} ${e.op}${e.returnBool ? ' bool' : ''} ${show(e.rhs)})`;
    case 'AggregateExpr':
      return `${e.op}${e.grouping.length || e.without ? ` ${e.without ? 'without' : 'by'}(${e.grouping.join(',')})` : ''}(${e.param ? `${show(e.param)}, ` : ''}${show(e.expr)})`;
    case 'Call':
      return `${e.func.name}(${e.args.map(show).join(', ')})`;
  }
}

function parseError(q: string): PromQLError {
  try {
    parseExpr(q);
  } catch (e) {
    if (e instanceof PromQLError) return e;
    throw e;
  }
  throw new Error(`expected ${q} to fail`);
}

describe('precedence and associativity', () => {
  it.each([
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['2 ^ 3 ^ 2', '(2 ^ (3 ^ 2))'],
    ['-2 ^ 2', '-((2 ^ 2))'],
    ['2 ^ -1', '(2 ^ -1)'],
    ['-a * b', '(-(a) * b)'],
    ['a or b and c unless d', '(a or ((b and c) unless d))'],
    ['a == b + c', '(a == (b + c))'],
    ['a > bool b', '(a > bool b)'],
    ['a atan2 b * c', '((a atan2 b) * c)'],
    ['a + b offset 5m', '(a + b offset 300000ms)'],
    ['metric1_total offset -2 ^ 2', '(metric1_total offset -2000ms ^ 2)'],
    ['sum by (job) (x)', 'sum by(job)(x)'],
    ['sum(x) without (a, b)', 'sum without(a,b)(x)'],
    ['topk(3, x)', 'topk(3, x)'],
    ['sum', 'sum'],
    ['offset + by', '(offset + by)'],
  ])('%s', (q, want) => {
    expect(show(parseExpr(q))).toBe(want);
  });
});

describe('selectors and modifiers', () => {
  it('adds the name matcher and keeps label matchers', () => {
    const e = parseExpr('http_requests_total{job="api", code=~"5..", method!="GET", path!~"/a|/b"}');
    if (e.type !== 'VectorSelector') throw new Error('not a selector');
    expect(e.matchers.map((m) => m.toString())).toEqual([
      'job="api"',
      'code=~"5.."',
      'method!="GET"',
      'path!~"/a|/b"',
      '__name__="http_requests_total"',
    ]);
  });
  it('reads offsets, negative offsets, @ timestamps and @ start()/end()', () => {
    expect(show(parseExpr('foo offset -1h30m'))).toBe('foo offset -5400000ms');
    expect(show(parseExpr('foo @ 1.5'))).toBe('foo @1500');
    expect(show(parseExpr('foo @ -100 offset 1m'))).toBe('foo offset 60000ms @-100000');
    expect(show(parseExpr('foo[5m] @ end()'))).toBe('foo @end()[300000ms]');
    expect(show(parseExpr('rate(x[5m])[1h:] offset 10m'))).toBe('rate(x[300000ms])[3600000ms:0ms] offset 600000ms');
  });
  it('accepts quoted (UTF-8) metric and label names', () => {
    const e = parseExpr('{"my.metric", "label.x"="v"}');
    if (e.type !== 'VectorSelector') throw new Error('not a selector');
    expect(e.matchers.map((m) => m.toString())).toEqual(['__name__="my.metric"', 'label.x="v"']);
  });
  it('decodes string literals in all three quoting styles', () => {
    expect(show(parseExpr('"a\\tb\\u00e9\\x41"'))).toBe(JSON.stringify('a\tbéA'));
    expect(show(parseExpr("'it\\'s'"))).toBe(JSON.stringify("it's"));
    expect(show(parseExpr('`raw\\n`'))).toBe(JSON.stringify('raw\\n'));
  });
  it('skips comments', () => {
    expect(show(parseExpr('foo # a comment\n + 1'))).toBe('(foo + 1)');
  });
  it('parses duration expressions into ranges', () => {
    const e = parseExpr('foo[2m*(10+5)]');
    expect(e.type === 'MatrixSelector' && e.rangeExpr !== null).toBe(true);
    expect(show(parseExpr('foo[1800]'))).toBe('foo[1800000ms]');
  });
});

describe('parse errors (message and position as upstream)', () => {
  it.each([
    ['foo{', '1:5: parse error: unexpected end of input inside braces'],
    ['sum(', '1:5: parse error: unclosed left parenthesis'],
    ['sum(x))', "1:8: parse error: unexpected right parenthesis ')'"],
    ['foo bar', '1:5: parse error: unexpected identifier "bar"'],
    ['(foo', '1:5: parse error: unclosed left parenthesis'],
    ['foo[5m', '1:7: parse error: unclosed left bracket'],
    ['sum(foo bar)', '1:9: parse error: unexpected identifier "bar" in aggregation'],
    ['rate(foo bar)', '1:10: parse error: unexpected identifier "bar"'],
    ['foo{bar}', '1:8: parse error: unexpected "}" in label matching, expected label matching operator'],
    ['foo{bar=}', '1:9: parse error: unexpected "}" in label matching, expected string'],
    ['foo{a="b" c="d"}', '1:11: parse error: unexpected identifier "c" in label matching, expected "," or "}"'],
    ['foo{,}', '1:5: parse error: unexpected "," in label matching, expected identifier or "}"'],
    ['sum by foo (x)', '1:8: parse error: unexpected identifier "foo" in grouping opts, expected "("'],
    ['sum by (1) (x)', '1:9: parse error: unexpected number "1" in grouping opts, expected label'],
    ['sum by (a b) (x)', '1:11: parse error: unexpected identifier "b" in grouping opts, expected "," or ")"'],
    ['foo[5m 1m]', '1:8: parse error: unexpected duration "1m" in subquery or range, expected ":" or "]"'],
    ['foo @', '1:6: parse error: unexpected end of input in @, expected timestamp'],
    ['foo}', "1:4: parse error: unexpected character: '}'"],
    ['rate(foo[5m],)', '1:13: parse error: trailing commas not allowed in function call args'],
    ['a * group_left b', '1:5: parse error: unexpected <group_left>'],
    ['1 +', '1:4: parse error: unexpected end of input'],
    ['', 'unknown position: parse error: no expression found in input'],
    ['-foo[5m:1m]', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"'],
    ['foo offset 5m offset 5m', '1:1: parse error: offset may not be set multiple times'],
    ['-{}', '1:2: parse error: vector selector must contain at least one non-empty matcher'],
    ['foo[5m] offset 1m [5m]', '1:19: parse error: ranges only allowed for vector selectors'],
    ['foo offset', '1:11: parse error: unexpected end of input in offset, expected number, duration, step(), or range()'],
    ['rate(foo)', '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
    ['1 < 2', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
    ['foo and 1', '1:1: parse error: set operator "and" not allowed in binary scalar expression'],
    ['unknown_fn(x)', '1:1: parse error: unknown function with name "unknown_fn"'],
    ['rate(x[5m], 1)', '1:1: parse error: expected 1 argument(s) in call to "rate", got 2'],
    ['sum(x[5m])', '1:5: parse error: expected type instant vector in aggregation expression, got range vector'],
    ['foo[0s]', '1:5: parse error: duration must be greater than 0'],
    ['a + on(x) group_left(x) b', '1:3: parse error: label "x" must not occur in ON and GROUP clause at once'],
    ['foo{__name__="bar"}', '1:1: parse error: metric name must not be set twice: "foo" or "bar"'],
  ])('%s', (q, want) => {
    const e = parseError(q);
    expect(e.message).toBe(want);
    expect(e.type).toBe('bad_data');
  });
  it('reports syntax errors before type errors', () => {
    expect(parseError('foo{__name__="bar"}x').message).toBe('1:20: parse error: unexpected identifier "x"');
    expect(() => parseExpr('{__name__="a"}')).not.toThrow();
  });
  it('gives byte offsets for positions after multi-byte characters', () => {
    const e = parseError('{a="é"} +');
    expect(e.message).toBe('1:11: parse error: unexpected end of input');
    expect(e.positionRange).toEqual({ start: 10, end: 10 });
  });
  it('counts lines and columns of multi-line queries', () => {
    expect(parseError('sum(\n  foo bar)').message).toBe('2:7: parse error: unexpected identifier "bar" in aggregation');
  });
});

describe('literals', () => {
  it('tokenizes numbers, durations and words as upstream', () => {
    expect(tokenize('0x1f 1.5e3 5m 1h30m .5 Inf nan 08').map((t) => `${t.kind}:${t.val}`)).toEqual([
      'NUMBER:0x1f',
      'NUMBER:1.5e3',
      'DURATION:5m',
      'DURATION:1h30m',
      'NUMBER:.5',
      'NUMBER:Inf',
      'NUMBER:nan',
      'NUMBER:08',
      'EOF:',
    ]);
  });
  it('applies Go ParseInt(s, 0) before ParseFloat', () => {
    expect(parseGoInt('0755')).toBe(493);
    expect(parseGoInt('08')).toBeNull();
    expect(parseGoFloat('08')).toBe(8);
    expect(parseGoInt('0x_1f')).toBe(31);
    expect(parseGoInt('9223372036854775808')).toBeNull();
    expect(parseGoFloat('0x1p-2')).toBe(0.25);
    expect(parseGoFloat('1e400')).toBeUndefined();
    expect(parseGoFloat('+Inf')).toBe(Infinity);
  });
  it('round-trips finite floats through the parser', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }), (x) => {
        const e = parseExpr(String(x));
        return e.type === 'NumberLiteral' && Object.is(e.val, x);
      }),
    );
  });
  it('round-trips strings through Go double-quoted escaping', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => goUnquote(JSON.stringify(s)) === s),
    );
  });
});

describe('metric selectors and types', () => {
  it('parses match[] selectors', () => {
    expect(parseMetricSelector('up{job="x"}').map((m) => m.toString())).toEqual(['job="x"', '__name__="up"']);
    expect(() => parseMetricSelector('{job=~".*"}')).toThrow('vector selector must contain at least one non-empty matcher');
    expect(() => parseMetricSelector('sum(up)')).toThrow('1:4: parse error: unexpected "("');
    expect(() => parseMetricSelector('up offset 5m')).toThrow('1:4: parse error: unexpected <offset>');
  });
  it.each([
    ['1 + 1', 'scalar'],
    ['foo + 1', 'vector'],
    ['foo[5m]', 'matrix'],
    ['rate(foo[5m])[10m:]', 'matrix'],
    ['"s"', 'string'],
    ['scalar(foo)', 'scalar'],
    ['time()', 'scalar'],
    ['sum(foo)', 'vector'],
  ])('exprType(%s) = %s', (q, t) => {
    expect(exprType(parseExpr(q))).toBe(t);
  });
});
