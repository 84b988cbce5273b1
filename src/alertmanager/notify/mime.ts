/**
 * The MIME pieces of Alertmanager's e-mails, encoded as Go's standard library encodes them (the
 * receiving side sees the same bytes as from Alertmanager 0.25): quoted-printable bodies
 * (`mime/quotedprintable` with `Binary` false: CRLF line breaks, lines of at most 76 characters
 * with soft breaks, trailing white space encoded), Q-encoded header values (`mime.QEncoding`)
 * and `multipart/alternative` bodies (`mime/multipart`: part headers in sorted order).
 */
import { randomBytes } from 'node:crypto';

/** Go `quotedprintable` line limit: 75 characters plus a soft-break `=`. */
const LINE_MAX = 76;
const HEX = '0123456789ABCDEF';

/** Quoted-printable encoding of UTF-8 text with CRLF line breaks (Go `quotedprintable.Writer`). */
export function quotedPrintable(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const out: string[] = [];
  let line = '';
  let cr = false;
  const softBreak = () => {
    out.push(line + '=\r\n');
    line = '';
  };
  const encode = (b: number) => {
    if (LINE_MAX - 1 - line.length < 3) softBreak();
    line += '=' + HEX[b >> 4] + HEX[b & 15];
  };
  /** Encodes a trailing space or tab before a hard line break or the end. */
  const checkLastByte = () => {
    const last = line.charCodeAt(line.length - 1);
    if (line.length > 0 && (last === 0x20 || last === 0x09)) {
      line = line.slice(0, -1);
      encode(last);
    }
  };
  for (const b of bytes) {
    if (b === 0x0a || b === 0x0d) {
      if (cr && b === 0x0a) {
        cr = false;
        continue;
      }
      cr = b === 0x0d;
      checkLastByte();
      out.push(line + '\r\n');
      line = '';
      continue;
    }
    cr = false;
    if ((b >= 0x21 && b <= 0x7e && b !== 0x3d) || b === 0x20 || b === 0x09) {
      if (line.length === LINE_MAX - 1) softBreak();
      line += String.fromCharCode(b);
    } else {
      encode(b);
    }
  }
  checkLastByte();
  out.push(line);
  return out.join('');
}

/** Longest encoded word, as Go (RFC 2047's 75). */
const MAX_ENCODED_WORD = 75;

/**
 * A header value as Go's `mime.QEncoding.Encode("utf-8", s)`: unchanged when it is printable
 * ASCII (tabs allowed), otherwise `=?utf-8?q?…?=` encoded words of at most 75 characters, split
 * between characters and joined by spaces.
 */
export function qEncode(s: string): string {
  if (!/[^\t\x20-\x7e]/.test(s)) return s;
  const prefix = '=?utf-8?q?';
  const room = MAX_ENCODED_WORD - prefix.length - 2;
  const words: string[] = [];
  let cur = '';
  for (const ch of s) {
    let enc = '';
    for (const b of Buffer.from(ch, 'utf8')) {
      if (b === 0x20) enc += '_';
      else if (b >= 0x21 && b <= 0x7e && b !== 0x3d && b !== 0x3f && b !== 0x5f) enc += String.fromCharCode(b);
      else enc += '=' + HEX[b >> 4] + HEX[b & 15];
    }
    if (cur.length + enc.length > room) {
      words.push(prefix + cur + '?=');
      cur = '';
    }
    cur += enc;
  }
  words.push(prefix + cur + '?=');
  return words.join(' ');
}

/** One part of a multipart body. */
export interface MimePart {
  headers: Record<string, string>;
  /** The encoded body. */
  body: string;
}

/** A random boundary as Go's `multipart.Writer` makes (30 random bytes in hex). */
export function randomBoundary(): string {
  return randomBytes(30).toString('hex');
}

/** A multipart body (Go `multipart.Writer`: part headers sorted by name, closing delimiter). */
export function multipartBody(boundary: string, parts: readonly MimePart[]): string {
  let out = '';
  parts.forEach((p, i) => {
    out += i === 0 ? `--${boundary}\r\n` : `\r\n--${boundary}\r\n`;
    for (const k of Object.keys(p.headers).sort()) out += `${k}: ${p.headers[k]}\r\n`;
    out += '\r\n' + p.body;
  });
  return out + `\r\n--${boundary}--\r\n`;
}

/**
 * Go's `time.RFC1123Z` in local time: `Mon, 02 Jan 2006 15:04:05 -0700`.
 * @param ms Unix time in milliseconds
 */
export function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const zone = `${sign}${p2(Math.floor(Math.abs(off) / 60))}${p2(Math.abs(off) % 60)}`;
  return `${days[d.getDay()]}, ${p2(d.getDate())} ${months[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${zone}`;
}
