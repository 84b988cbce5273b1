import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineMethods, formatFloat, GO_TYPE, goFunc, sprintf, Template, TemplateError } from '../../../src/template/index.js';

function run(text: string, data: unknown = {}, funcs = {}): string {
  return new Template(funcs).parse('t', text).execute('t', data);
}

describe('Template API', () => {
  it('defines, invokes and redefines templates across parse calls', () => {
    const t = new Template();
    t.parse('main', '{{ define "x" }}X1{{ end }}[{{ template "x" }}]');
    expect(t.execute('main', null)).toBe('[X1]');
    expect(t.execute('x', null)).toBe('X1');
    t.parse('other', '{{ define "x" }}X2{{ end }}');
    expect(t.execute('main', null)).toBe('[X2]');
    expect(t.names()).toEqual(['main', 'other', 'x']);
  });

  it('keeps an existing template when a later text only holds definitions', () => {
    const t = new Template().parse('a', 'body').parse('a', '{{ define "b" }}B{{ end }}');
    expect(t.execute('a', null)).toBe('body');
    expect(t.execute('b', null)).toBe('B');
  });

  it('rejects two definitions of one name in the same text', () => {
    expect(() => new Template().parse('a', '{{define "x"}}1{{end}}{{define "x"}}2{{end}}')).toThrow(
      'template: a:1: template: multiple definition of template "x"',
    );
  });

  it('executeText sees defined templates without adding its own definitions', () => {
    const t = new Template().parse('defs', '{{ define "title" }}[{{ .Status }}]{{ end }}');
    expect(t.executeText('{{ template "title" . }} {{ define "local" }}L{{ end }}{{ template "local" }}', { Status: 'firing' })).toBe(
      '[firing] L',
    );
    expect(t.has('local')).toBe(false);
    expect(t.executeText('', {})).toBe('');
  });

  it('reports a missing template', () => {
    const t = new Template().parse('first', 'x');
    expect(() => t.execute('nope', null)).toThrow('template: no template "nope" associated with template "first"');
  });

  it('clone is independent', () => {
    const a = new Template().parse('a', 'A');
    const b = a.clone().parse('a', 'B');
    expect(a.execute('a', null)).toBe('A');
    expect(b.execute('a', null)).toBe('B');
  });

  it('throws TemplateError with location fields', () => {
    try {
      new Template().parse('n', 'x\n{{ .a.b }}').execute('n', { a: 'str' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateError);
      const err = e as TemplateError;
      expect(err.message).toBe('template: n:2:5: executing "n" at <.a.b>: can\'t evaluate field b in type string');
      expect([err.template, err.line, err.column]).toEqual(['n', 2, 5]);
    }
  });
});

describe('data model', () => {
  class Alert {
    readonly [GO_TYPE] = 'template.Alert';
    constructor(
      public Status: string,
      public Labels: Record<string, string>,
    ) {}
    Name(): string {
      return this.Labels.alertname ?? '';
    }
    Has(k: string): boolean {
      return k in this.Labels;
    }
  }

  it('calls methods with arguments and reads struct fields', () => {
    const a = new Alert('firing', { alertname: 'Down', job: 'api' });
    expect(run('{{ .Name }} {{ .Has "job" }} {{ .Has "x" }} {{ .Status }}', a)).toBe('Down true false firing');
  });

  it('errors on unknown struct fields with the Go type name', () => {
    expect(() => run('{{ .Nope }}', new Alert('x', {}))).toThrow("can't evaluate field Nope in type template.Alert");
  });

  it('passes arguments to a method on a map (Alertmanager KV.Remove style)', () => {
    const kv = defineMethods({ b: '2', a: '1' }, { Remove: (keys: string[]) => keys.join('+') });
    expect(run('{{ .Remove (stringSlice "a" "b") }} {{ len . }} {{ . }}', kv, { stringSlice: (...s: string[]) => s })).toBe(
      'a+b 2 map[a:1 b:2]',
    );
  });

  it('reads missing keys of string maps as empty and of other maps as no value', () => {
    expect(run('[{{ .L.x }}] [{{ .M.x }}]', { L: { a: 'b' }, M: { a: 1 } })).toBe('[] [<no value>]');
  });

  it('does not treat JavaScript Map and Array methods as Go methods', () => {
    expect(run('[{{ .m.keys }}] {{ .m.get }}', { m: new Map([['get', 'x']]) })).toBe('[] x');
    expect(() => run('{{ .a.map }}', { a: [1] })).toThrow("can't evaluate field map in type []interface {}");
  });

  it('ranges over Map instances in key order', () => {
    expect(run('{{ range $k, $v := . }}{{ $k }}{{ $v }} {{ end }}', new Map([['b', 2], ['a', 1]]))).toBe('a1 b2 ');
  });

  it('prints Stringers and errors through their methods', () => {
    const s = { String: () => 'STR' };
    class T {
      String(): string {
        return 'stringer';
      }
    }
    expect(run('{{ . }} {{ printf "%s|%v|%q" . . . }}', new T())).toBe('stringer stringer|stringer|"stringer"');
    expect(run('{{ .e }}', { e: new Error('boom'), s })).toBe('boom');
  });

  it('treats numbers as float64 and bigints as ints', () => {
    expect(run('{{ . }} {{ printf "%d" . }}', 2_000_000)).toBe('2e+06 %!d(float64=2e+06)');
    expect(run('{{ . }} {{ printf "%d" . }}', 2_000_000n)).toBe('2000000 2000000');
  });
});

describe('functions', () => {
  it('checks typed signatures as Go does', () => {
    const funcs = { up: goFunc({ params: ['string'] }, (s: string) => s.toUpperCase()) };
    expect(run('{{ up "a" }}', {}, funcs)).toBe('A');
    expect(() => run('{{ up 1 }}', {}, funcs)).toThrow('expected string; found 1');
    expect(() => run('{{ up .v }}', { v: 1.5 }, funcs)).toThrow('wrong type for value; expected string; got float64');
    expect(() => run('{{ up "a" "b" }}', {}, funcs)).toThrow('wrong number of args for up: want 1 got 2');
  });

  it('gives untyped functions plain numbers and reports thrown errors', () => {
    const funcs = {
      add: (a: number, b: number) => a + b,
      fail: () => {
        throw new Error('bad input');
      },
    };
    expect(run('{{ add 1 2 }}', {}, funcs)).toBe('3');
    expect(() => run('{{ fail }}', {}, funcs)).toThrow('template: t:1:3: executing "t" at <fail>: error calling fail: bad input');
  });

  it('call invokes function values', () => {
    expect(run('{{ call (index . "f") 2 }}', { f: (x: number) => x * 10 })).toBe('20');
  });

  it('stops runaway recursion', () => {
    expect(() => run('{{ define "r" }}{{ template "r" }}{{ end }}{{ template "r" }}')).toThrow(
      'exceeded maximum template depth (1000)',
    );
  });

  it('short-circuits and/or', () => {
    const funcs = {
      boom: () => {
        throw new Error('evaluated');
      },
    };
    expect(run('{{ and 0 (boom) }} {{ or 1 (boom) }}', {}, funcs)).toBe('0 1');
  });
});

describe('strconv', () => {
  it('formats floats as Go strconv.FormatFloat', () => {
    const cases: [number, 'e' | 'f' | 'g' | 'x', number, string][] = [
      [1e6, 'g', -1, '1e+06'],
      [123456, 'g', -1, '123456'],
      [0.0001, 'g', -1, '0.0001'],
      [0.00001, 'g', -1, '1e-05'],
      [2.5, 'f', 0, '2'],
      [3.5, 'f', 0, '4'],
      [0.125, 'f', 2, '0.12'],
      [1.005, 'f', 2, '1.00'],
      [5e-324, 'g', -1, '5e-324'],
      [1.7976931348623157e308, 'e', 3, '1.798e+308'],
      [100, 'g', 2, '1e+02'],
      [-0, 'g', -1, '-0'],
      [NaN, 'f', 2, 'NaN'],
      [-Infinity, 'g', -1, '-Inf'],
      [1.5, 'x', -1, '0x1.8p+00'],
      [1, 'x', 2, '0x1.00p+00'],
    ];
    for (const [v, f, p, want] of cases) expect([v, f, p, formatFloat(v, f, p)]).toEqual([v, f, p, want]);
  });

  it('round-trips shortest and 17-digit forms', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        expect(Number(formatFloat(v, 'g', -1))).toBe(v);
        expect(Number(formatFloat(v, 'e', 16))).toBe(v);
      }),
    );
  });

  it('agrees with toFixed except on exact ties, which go to even', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e15, max: 1e15, noNaN: true }), fc.integer({ min: 0, max: 12 }), (v, p) => {
        const js = v.toFixed(p);
        const go = formatFloat(v, 'f', p);
        const tie = v.toFixed(60).replace(/0+$/, '').split('.')[1]?.length === p + 1 && /5$/.test(v.toFixed(p + 1));
        if (!tie) expect(go.replace(/^-(0\.?0*)$/, '$1')).toBe(js.replace(/^-(0\.?0*)$/, '$1'));
      }),
    );
  });

  it('formats with Go fmt verbs', () => {
    expect(sprintf('%5.1f|%-4d|%x|%q|%v', [3.14159, 7n, 'hi', 'a"b', [1n, 'x', { k: 'v' }]])).toBe(
      '  3.1|7   |6869|"a\\"b"|[1 x map[k:v]]',
    );
  });
});
