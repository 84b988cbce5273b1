/**
 * JSON request bodies read as Go's `json.NewDecoder(body).Decode(&v)` reads them (Alertmanager's
 * API): the first JSON value is decoded and anything after it is ignored, and a syntax error is
 * reported in Go's words (`invalid character 'x' looking for beginning of value`,
 * `unexpected EOF`), so error answers match upstream's.
 */

/** The outcome of {@link decodeFirstJSON}. */
export type GoJSONResult = { ok: true; value: unknown } | { ok: false; error: string } | { ok: 'empty' };

/**
 * Decodes the first JSON value of `text`. `empty` when there is only whitespace (Go: `io.EOF`).
 */
export function decodeFirstJSON(text: string): GoJSONResult {
  const s = new Scanner(text);
  s.skipSpace();
  if (s.i >= text.length) return { ok: 'empty' };
  try {
    const start = s.i;
    s.value('looking for beginning of value');
    return { ok: true, value: JSON.parse(text.slice(start, s.i)) };
  } catch (e) {
    if (e instanceof SyntaxFault) return { ok: false, error: e.message };
    throw e;
  }
}

class SyntaxFault extends Error {}

/** Go's `quoteChar`: `'x'`, with `'\''` and escapes for unprintable characters. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return `'"'`;
  const q = JSON.stringify(c);
  const code = c.codePointAt(0)!;
  const inner = code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : q.slice(1, -1);
  return `'${inner}'`;
}

const LITERALS: Record<string, string> = { t: 'true', f: 'false', n: 'null' };

/** A validating scan over one JSON value (iterative, so deep nesting cannot exhaust the stack). */
class Scanner {
  i = 0;
  constructor(private readonly s: string) {}

  skipSpace(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.i++;
    }
  }

  private fail(context: string): never {
    if (this.i >= this.s.length) throw new SyntaxFault('unexpected EOF');
    const c = String.fromCodePoint(this.s.codePointAt(this.i)!);
    throw new SyntaxFault(`invalid character ${quoteChar(c)} ${context}`);
  }

  /** One value; `context` names what was expected for the error message. */
  value(context: string): void {
    // Open containers: for each, whether it is an object.
    const open: boolean[] = [];
    let ctx = context;
    for (;;) {
      this.skipSpace();
      const c = this.s[this.i];
      if (c === '{' || c === '[') {
        this.i++;
        this.skipSpace();
        const close = c === '{' ? '}' : ']';
        if (this.s[this.i] === close) {
          this.i++;
        } else {
          open.push(c === '{');
          if (c === '{') {
            this.key('looking for beginning of object key string');
          }
          ctx = 'looking for beginning of value';
          continue;
        }
      } else if (c === '"') this.string();
      else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
      else if (c !== undefined && LITERALS[c]) this.literal(LITERALS[c]!);
      else this.fail(ctx);
      // A value is complete: continue or close the enclosing containers.
      for (;;) {
        if (open.length === 0) return;
        this.skipSpace();
        const isObject = open[open.length - 1]!;
        const d = this.s[this.i];
        if (d === ',') {
          this.i++;
          if (isObject) {
            this.skipSpace();
            this.key('looking for beginning of object key string');
          }
          ctx = 'looking for beginning of value';
          break;
        }
        if (d === (isObject ? '}' : ']')) {
          this.i++;
          open.pop();
          continue;
        }
        this.fail(isObject ? 'after object key:value pair' : 'after array element');
      }
    }
  }

  /** `"key" :` of an object member. */
  private key(context: string): void {
    if (this.s[this.i] !== '"') this.fail(context);
    this.string();
    this.skipSpace();
    if (this.s[this.i] !== ':') this.fail('after object key');
    this.i++;
  }

  private string(): void {
    const s = this.s;
    this.i++;
    for (;;) {
      if (this.i >= s.length) this.fail('');
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c < 0x20) this.fail('in string literal');
      if (c === 0x5c) {
        this.i++;
        const e = s[this.i];
        if (e === 'u') {
          this.i++;
          for (let k = 0; k < 4; k++) {
            if (!/[0-9a-fA-F]/.test(s[this.i] ?? '')) this.fail('in \\u hexadecimal character escape');
            this.i++;
          }
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail('in string escape code');
      }
      this.i++;
    }
  }

  private number(): void {
    const s = this.s;
    const digit = () => this.i < s.length && s.charCodeAt(this.i) >= 0x30 && s.charCodeAt(this.i) <= 0x39;
    if (s[this.i] === '-') {
      this.i++;
      if (!digit()) this.fail('in numeric literal');
    }
    if (s[this.i] === '0') this.i++;
    else while (digit()) this.i++;
    if (s[this.i] === '.') {
      this.i++;
      if (!digit()) this.fail('after decimal point in numeric literal');
      while (digit()) this.i++;
    }
    if (s[this.i] === 'e' || s[this.i] === 'E') {
      this.i++;
      if (s[this.i] === '+' || s[this.i] === '-') this.i++;
      if (!digit()) this.fail('in exponent of numeric literal');
      while (digit()) this.i++;
    }
  }

  private literal(word: string): void {
    for (let k = 0; k < word.length; k++) {
      if (this.s[this.i] !== word[k]) this.fail(`in literal ${word} (expecting ${quoteChar(word[k]!)})`);
      this.i++;
    }
  }
}
