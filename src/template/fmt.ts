/**
 * Go `fmt` printing for template values: `Sprint`, `Sprintln`, `Sprintf` with Go's verbs, flags,
 * width, precision, argument indexes (`%[2]d`) and error notes (`%!d(string=x)`, `%!s(MISSING)`,
 * `%!(EXTRA int=1)`). Values follow the kind mapping of `values.ts`: bigint is Go `int`, number is
 * `float64` (`%v` of 1e6 is `1e+06`, `%d` of a float64 is `%!d(float64=1)` as in Go).
 *
 * Objects with a `String()` method (Go `Stringer`) and `Error` instances print through it for
 * `%v %s %q %x %X`, as Go's `handleMethods`.
 */
import { goQuote, goQuoteRune } from '../model/goquote.js';
import { canBackquote, formatFloat } from './strconv.js';
import { goTypeName, isPlainObject, kindOf, sortedEntries } from './values.js';

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

function newFlags(): Flags {
  return {
    plus: false,
    minus: false,
    sharp: false,
    space: false,
    zero: false,
    plusV: false,
    sharpV: false,
    wid: 0,
    widPresent: false,
    prec: 0,
    precPresent: false,
  };
}

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || s.charCodeAt(i - 1) < 0xd800 || s.charCodeAt(i - 1) > 0xdbff) n++;
  }
  return n;
}

/** Pads `s` to the field width (runes), left or right, with spaces or zeros. */
function pad(f: Flags, s: string): string {
  if (!f.widPresent || f.wid === 0) return s;
  const w = f.wid - runeCount(s);
  if (w <= 0) return s;
  const fill = (f.zero && !f.minus ? '0' : ' ').repeat(w);
  return f.minus ? s + ' '.repeat(w) : fill + s;
}

function padSpaces(f: Flags, s: string): string {
  const zero = f.zero;
  f.zero = false;
  const out = pad(f, s);
  f.zero = zero;
  return out;
}

/** A Go `fmt` printer: one per formatting call. */
class Printer {
  out = '';
  f: Flags = newFlags();
  private erroring = false;

  printArg(arg: unknown, verb: string, depth = 0): void {
    if (arg === undefined || arg === null) {
      if (verb === 'T' || verb === 'v') this.out += padSpaces(this.f, '<nil>');
      else this.badVerb(verb, arg);
      return;
    }
    if (verb === 'T') {
      this.out += pad(this.f, goTypeName(arg));
      return;
    }
    switch (typeof arg) {
      case 'boolean':
        return this.fmtBool(arg, verb);
      case 'bigint':
        return this.fmtInteger(arg, verb);
      case 'number':
        return this.fmtFloat(arg, verb);
      case 'string':
        return this.fmtString(arg, verb);
    }
    if (this.handleMethods(arg, verb)) return;
    this.printValue(arg, verb, depth);
  }

  private handleMethods(arg: unknown, verb: string): boolean {
    if (this.erroring || this.f.sharpV) return false;
    if (verb !== 'v' && verb !== 's' && verb !== 'x' && verb !== 'X' && verb !== 'q') return false;
    if (arg instanceof Error) {
      this.fmtString(arg.message, verb);
      return true;
    }
    if (typeof arg === 'object' && arg !== null && !Array.isArray(arg) && !isPlainObject(arg)) {
      const m = (arg as { String?: unknown }).String;
      if (typeof m === 'function' && m.length === 0) {
        this.fmtString(String(m.call(arg)), verb);
        return true;
      }
    }
    return false;
  }

  private printValue(v: unknown, verb: string, depth: number): void {
    if (depth > 0 && v !== null && v !== undefined && typeof v === 'object' && this.handleMethods(v, verb)) return;
    switch (kindOf(v)) {
      case 'invalid':
        this.out += depth === 0 ? '<invalid reflect.Value>' : padSpaces(this.f, '<nil>');
        return;
      case 'bool':
      case 'int':
      case 'float':
      case 'string':
        this.printArg(v, verb, depth);
        return;
      case 'slice': {
        this.out += '[';
        (v as unknown[]).forEach((e, i) => {
          if (i > 0) this.out += ' ';
          this.printValue(e, verb, depth + 1);
        });
        this.out += ']';
        return;
      }
      case 'map': {
        this.out += 'map[';
        sortedEntries(v as object).forEach(([k, val], i) => {
          if (i > 0) this.out += ' ';
          this.printValue(k, verb, depth + 1);
          this.out += ':';
          this.printValue(val, verb, depth + 1);
        });
        this.out += ']';
        return;
      }
      case 'func':
        this.out += pad(this.f, '<func>');
        return;
      case 'struct': {
        this.out += '{';
        Object.keys(v as object).forEach((k, i) => {
          if (i > 0) this.out += ' ';
          if (this.f.plusV) this.out += k + ':';
          this.printValue((v as Record<string, unknown>)[k], verb, depth + 1);
        });
        this.out += '}';
        return;
      }
    }
  }

  badVerb(verb: string, arg: unknown): void {
    this.erroring = true;
    this.out += '%!' + verb + '(';
    if (arg === undefined || arg === null) this.out += '<nil>';
    else {
      this.out += goTypeName(arg) + '=';
      this.printArg(arg, 'v');
    }
    this.out += ')';
    this.erroring = false;
  }

  private fmtBool(v: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.out += pad(this.f, v ? 'true' : 'false');
    else this.badVerb(verb, v);
  }

  private fmtInteger(v: bigint, verb: string): void {
    switch (verb) {
      case 'v':
      case 'd':
        return this.integer(v, 10, verb, false);
      case 'b':
        return this.integer(v, 2, verb, false);
      case 'o':
      case 'O':
        return this.integer(v, 8, verb, false);
      case 'x':
        return this.integer(v, 16, verb, false);
      case 'X':
        return this.integer(v, 16, verb, true);
      case 'c':
        this.out += pad(this.f, runeString(v));
        return;
      case 'q':
        this.out += pad(this.f, goQuoteRune(Number(v), this.f.plus));
        return;
      case 'U':
        return this.unicode(v);
      default:
        this.badVerb(verb, v);
    }
  }

  private integer(v: bigint, base: number, verb: string, upper: boolean): void {
    const f = this.f;
    const negative = v < 0n;
    const u = negative ? -v : v;
    let prec = 0;
    if (f.precPresent) {
      prec = f.prec;
      if (prec === 0 && u === 0n) {
        this.out += padSpaces(f, '');
        return;
      }
    } else if (f.zero && !f.minus && f.widPresent) {
      prec = f.wid;
      if (negative || f.plus || f.space) prec--;
    }
    let digits = u.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (f.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (f.plus) digits = '+' + digits;
    else if (f.space) digits = ' ' + digits;
    this.out += padSpaces(f, digits);
  }

  private unicode(v: bigint): void {
    let s = 'U+' + (v < 0n ? (v + (1n << 64n)) : v).toString(16).toUpperCase().padStart(this.f.precPresent ? Math.max(this.f.prec, 4) : 4, '0');
    if (this.f.sharp && v >= 0n && v <= 0x10ffffn) {
      const r = Number(v);
      if (r >= 0x20 && !(r >= 0x7f && r < 0xa0)) s += " '" + String.fromCodePoint(r) + "'";
    }
    this.out += padSpaces(this.f, s);
  }

  private fmtFloat(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        return this.float(v, 'g', -1, verb);
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        return this.float(v, verb, -1, verb);
      case 'f':
      case 'e':
      case 'E':
        return this.float(v, verb, 6, verb);
      case 'F':
        return this.float(v, 'f', 6, verb);
      default:
        this.badVerb(verb, v);
    }
  }

  private float(v: number, fmt: string, prec: number, verb: string): void {
    const f = this.f;
    if (f.precPresent) prec = f.prec;
    let num = fmt === 'b' ? formatBinaryFloat(v) : formatFloat(v, fmt as 'e', prec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
      this.out += padSpaces(f, num);
      return;
    }
    if (f.sharp && fmt !== 'b') num = sharpFloat(num, fmt, prec, verb);
    if (f.plus || num[0] !== '+') {
      if (f.zero && !f.minus && f.widPresent && f.wid > num.length) {
        this.out += num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
        return;
      }
      this.out += pad(f, num);
      return;
    }
    this.out += pad(f, num.slice(1));
  }

  fmtString(s: string, verb: string): void {
    const f = this.f;
    switch (verb) {
      case 'v':
        if (f.sharpV) this.out += pad(f, goQuote(s));
        else this.out += pad(f, truncate(f, s));
        return;
      case 's':
        this.out += pad(f, truncate(f, s));
        return;
      case 'x':
      case 'X':
        this.out += pad(f, hexString(f, s, verb === 'X'));
        return;
      case 'q': {
        const t = truncate(f, s);
        this.out += pad(f, f.sharp && canBackquote(t) ? '`' + t + '`' : goQuote(t, f.plus));
        return;
      }
      default:
        this.badVerb(verb, s);
    }
  }
}

function runeString(v: bigint): string {
  const r = v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn) ? 0xfffd : Number(v);
  return String.fromCodePoint(r);
}

function truncate(f: Flags, s: string): string {
  if (!f.precPresent) return s;
  const chars = Array.from(s);
  return chars.length > f.prec ? chars.slice(0, f.prec).join('') : s;
}

function hexString(f: Flags, s: string, upper: boolean): string {
  let bytes = new TextEncoder().encode(s);
  if (f.precPresent && f.prec < bytes.length) bytes = bytes.subarray(0, f.prec);
  if (bytes.length === 0) return '';
  const parts: string[] = [];
  const prefix = f.sharp ? (upper ? '0X' : '0x') : '';
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    let h = bytes[i]!.toString(16).padStart(2, '0');
    if (upper) h = h.toUpperCase();
    if (f.space) parts.push(prefix + h);
    else out += h;
  }
  return f.space ? parts.join(' ') : prefix + out;
}

/** Go's `%b` of a float64: decimal mantissa and binary exponent, e.g. `4503599627370496p-52`. */
function formatBinaryFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const neg = hi >>> 31 === 1;
  let exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0) exp++;
  else mant |= 1n << 52n;
  exp -= 1075;
  return `${neg ? '-' : ''}${mant}p${exp >= 0 ? '+' : '-'}${Math.abs(exp)}`;
}

/** The `#` flag on floats: keep the decimal point and trailing zeros (Go `fmt.fmtFloat`). */
function sharpFloat(num: string, fmt: string, prec: number, verb: string): string {
  let digits = 0;
  if (verb === 'v' || fmt === 'g' || fmt === 'G' || fmt === 'x') digits = prec === -1 ? 6 : prec;
  let tail = '';
  let hasPoint = false;
  let sawNonzero = false;
  let body = num;
  for (let i = 1; i < body.length; i++) {
    const c = body[i]!;
    if (c === '.') hasPoint = true;
    else if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && fmt !== 'x' && fmt !== 'X')) {
      tail = body.slice(i);
      body = body.slice(0, i);
      break;
    } else {
      if (c !== '0') sawNonzero = true;
      if (sawNonzero) digits--;
    }
  }
  if (!hasPoint) {
    if (body.length === 2 && body[1] === '0') digits--;
    body += '.';
  }
  while (digits > 0) {
    body += '0';
    digits--;
  }
  return body + tail;
}

function parseNum(s: string, start: number, end: number): { num: number; ok: boolean; next: number } {
  if (start >= end) return { num: 0, ok: false, next: end };
  let num = 0;
  let ok = false;
  let i = start;
  for (; i < end && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57; i++) {
    if (num > 1e6) return { num: 0, ok: false, next: end };
    num = num * 10 + (s.charCodeAt(i) - 48);
    ok = true;
  }
  return { num, ok, next: i };
}

/**
 * Go `fmt.Sprintf`: formats `args` by `format`.
 * @example sprintf('%.2f%%', [12.345]) → "12.35%" (rounded half to even on exact ties only)
 */
export function sprintf(format: string, args: readonly unknown[]): string {
  const p = new Printer();
  const end = format.length;
  let argNum = 0;
  let afterIndex = false;
  let reordered = false;
  let goodArgNum = true;
  let i = 0;
  const argNumber = (at: number): number => {
    if (at >= end || format[at] !== '[') return at;
    reordered = true;
    let close = -1;
    for (let j = at + 1; j < end; j++) {
      if (format[j] === ']') {
        close = j;
        break;
      }
    }
    if (close < 0 || end - at < 3) {
      goodArgNum = false;
      return at + 1;
    }
    const r = parseNum(format, at + 1, close);
    if (!r.ok || r.next !== close || r.num - 1 < 0 || r.num - 1 >= args.length) {
      goodArgNum = false;
      return close + 1;
    }
    argNum = r.num - 1;
    afterIndex = true;
    return close + 1;
  };
  while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) p.out += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    const f = (p.f = newFlags());
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    afterIndex = false;
    i = argNumber(i);
    if (i < end && format[i] === '*') {
      i++;
      const w = intArg(args, argNum);
      f.wid = w.n;
      f.widPresent = w.ok;
      argNum = w.next;
      if (!w.ok) p.out += '%!(BADWIDTH)';
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      const r = parseNum(format, i, end);
      f.wid = r.num;
      f.widPresent = r.ok;
      i = r.next;
      if (afterIndex && f.widPresent) goodArgNum = false;
    }
    if (i + 1 <= end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      afterIndex = false;
      i = argNumber(i);
      if (i < end && format[i] === '*') {
        i++;
        const w = intArg(args, argNum);
        f.prec = w.n;
        f.precPresent = w.ok;
        argNum = w.next;
        if (f.prec < 0) {
          f.prec = 0;
          f.precPresent = false;
        }
        if (!f.precPresent) p.out += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const r = parseNum(format, i, end);
        f.prec = r.num;
        f.precPresent = true;
        i = r.next;
      }
    }
    if (!afterIndex) i = argNumber(i);
    if (i >= end) {
      p.out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      p.out += '%';
    } else if (!goodArgNum) {
      p.out += '%!' + verb + '(BADINDEX)';
    } else if (argNum >= args.length) {
      p.out += '%!' + verb + '(MISSING)';
    } else {
      if (verb === 'v') {
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plusV = f.plus;
        f.plus = false;
      }
      p.printArg(args[argNum], verb);
      argNum++;
    }
  }
  if (!reordered && argNum < args.length) {
    p.f = newFlags();
    p.out += '%!(EXTRA ';
    for (let k = argNum; k < args.length; k++) {
      if (k > argNum) p.out += ', ';
      const a = args[k];
      if (a === undefined || a === null) p.out += '<nil>';
      else {
        p.out += goTypeName(a) + '=';
        p.printArg(a, 'v');
      }
    }
    p.out += ')';
  }
  return p.out;
}

function intArg(args: readonly unknown[], argNum: number): { n: number; ok: boolean; next: number } {
  if (argNum >= args.length) return { n: 0, ok: false, next: argNum };
  const a = args[argNum];
  if (typeof a === 'bigint' && a <= 1000000n && a >= -1000000n) return { n: Number(a), ok: true, next: argNum + 1 };
  return { n: 0, ok: false, next: argNum + 1 };
}

/** Go `fmt.Sprint`: `%v` of each value, with a space between operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((a, i) => {
    const isString = typeof a === 'string';
    if (i > 0 && !isString && !prevString) p.out += ' ';
    p.f = newFlags();
    p.printArg(a, 'v');
    prevString = isString;
  });
  return p.out;
}

/** Go `fmt.Sprintln`: `%v` of each value separated by spaces, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  const p = new Printer();
  args.forEach((a, i) => {
    if (i > 0) p.out += ' ';
    p.f = newFlags();
    p.printArg(a, 'v');
  });
  return p.out + '\n';
}
