/** Go `strconv.Quote` / `QuoteRune` (shared by PromQL, Alertmanager, exposition and templates) and the lossless UTF-8 decoding it pairs with. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8Lossless, goQuote, goQuoteBytes, goQuoteRune, goUnquote, isPrint, UnquoteError } from '../../../src/model/goquote.js';

describe('goQuote', () => {
  it.each([
    ['', '""'],
    ['a"b\n\t\u0001é😀', '"a\\"b\\n\\t\\x01é😀"'],
    ['a\tb\u0001\u007f\u0085é', '"a\\tb\\x01\\x7f\\u0085é"'],
    ['\\ \x07\b\f\r\v', '"\\\\ \\a\\b\\f\\r\\v"'],
    ['\u00ad\u200b\u2028\ufffd', '"\\u00ad\\u200b\\u2028\ufffd"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['\udcff\udc80', '"\\xff\\x80"'],
    ['\ud800x', '"\ufffdx"'],
  ])('%j → %s', (s, want) => {
    expect(goQuote(s)).toBe(want);
  });
  it('QuoteToASCII escapes every non-ASCII rune', () => {
    expect(goQuote('é', true)).toBe('"\\u00e9"');
    expect(goQuote('日本😀', true)).toBe('"\\u65e5\\u672c\\U0001f600"');
    expect(goQuote('\ud800', true)).toBe('"\\ufffd"');
  });
  it('agrees with JSON for printable ASCII', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~') }), (s) => {
        expect(goQuote(s)).toBe(JSON.stringify(s));
      }),
    );
  });
});

describe('goQuoteRune / isPrint', () => {
  it.each([
    [0x61, "'a'"], [0x27, "'\\''"], [0x22, "'\"'"], [0x0a, "'\\n'"], [0x00, "'\\x00'"], [0xe9, "'é'"], [0xd800, "'\ufffd'"], [0x110000, "'\ufffd'"],
  ])('%d → %s', (r, want) => {
    expect(goQuoteRune(r)).toBe(want);
  });
  it('escapes a non-ASCII rune for ASCII output', () => {
    expect(goQuoteRune(0xe9, true)).toBe("'\\u00e9'");
  });
  it.each([[0x20, true], [0x41, true], [0x7f, false], [0x85, false], [0xa0, false], [0xad, false], [0xe9, true], [0xfffd, true], [0x1f600, true]])(
    'isPrint(%d) → %s',
    (r, want) => {
      expect(isPrint(r)).toBe(want);
    },
  );
});

describe('decodeUtf8Lossless / goQuoteBytes', () => {
  it('decodes valid UTF-8 and keeps each invalid byte as U+DC00+byte', () => {
    expect(decodeUtf8Lossless([0x61, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80])).toBe('aé😀');
    expect(decodeUtf8Lossless([0xff, 0x61, 0xc3])).toBe('\udcffa\udcc3');
    expect(decodeUtf8Lossless([0xc0, 0x80])).toBe('\udcc0\udc80'); // overlong NUL
    expect(decodeUtf8Lossless([0xed, 0xa0, 0x80])).toBe('\udced\udca0\udc80'); // encoded surrogate
  });
  it('quotes raw bytes as Go quotes string(b)', () => {
    const b = Buffer.from([0x78, 0x22, 0x00, 0xc3, 0xa9, 0xff, 0x79]);
    expect(goQuoteBytes(b, 0, b.length)).toBe('"x\\"\\x00é\\xffy"');
    expect(goQuoteBytes(b, 1, 3)).toBe('"\\"\\x00"');
  });
});

describe('goUnquote', () => {
  it('decodes escapes; single quotes work as double quotes (PromQL, strutil.Unquote)', () => {
    expect(goUnquote('"\\x41\\u00e9\\101\\t\\U0001F600"')).toBe('AéA\t😀');
    expect(goUnquote("'a\\'b\\n'")).toBe("a'b\n");
    expect(goUnquote('`a\\n\r`')).toBe('a\\n');
    expect(goUnquote('"plain"')).toBe('plain');
  });
  it.each(['"\\q"', '"a', "'a\"", '"a"b"', '"a\nb"', '"\\x4"', '"\\400"', '"\\ud800"', '"\\\'"', '`a`b`', 'x'])('rejects %j', (s) => {
    expect(() => goUnquote(s)).toThrow(new UnquoteError());
  });
  it('keeps invalid UTF-8 bytes as lone surrogates by default, U+FFFD on request', () => {
    expect(goUnquote('"a\\xffb"')).toBe('a\udcffb');
    expect(goQuote(goUnquote('"\\xc3\\xa9\\xff"'))).toBe('"é\\xff"');
    expect(goUnquote('"a\\xffb"', { replaceInvalid: true })).toBe('a\ufffdb');
  });
  it("reads \\x in a rune literal as a rune when asked (text/template's character constants)", () => {
    expect(goUnquote("'\\xe9'", { runeLiteral: true, replaceInvalid: true })).toBe('é');
    expect(goUnquote("'\\xe9'", { replaceInvalid: true })).toBe('\ufffd');
    expect(goUnquote('"\\xe9"', { runeLiteral: true, replaceInvalid: true })).toBe('\ufffd');
  });
  it('inverts goQuote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(goUnquote(goQuote(s))).toBe(s);
        expect(goUnquote(goQuote(s, true))).toBe(s);
      }),
    );
  });
});
