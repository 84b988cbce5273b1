/**
 * The `uri` string format of API v2 (go-openapi `strfmt.IsURI`), which accepts what Go's
 * `url.ParseRequestURI` parses: an absolute URI (`scheme:…`) or an absolute path (`/…`), with a
 * valid authority when there is one and well-formed `%` escapes. Alertmanager 0.25 rejects any
 * other `generatorURL` with 422 `N.generatorURL in body must be of type uri: "…"`.
 */

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Whether `s` parses with Go's `url.ParseRequestURI`: no control characters (bytes < 0x20 and
 * 0x7f), not empty, then either `*`, or a scheme (`[A-Za-z][A-Za-z0-9+.-]*:`) followed by anything
 * not starting with `/` (opaque, e.g. `mailto:x`) or by a path, or a path starting with `/`.
 * After `scheme://`, the authority up to the next `/` must be valid (see {@link validAuthority});
 * the path (before `?`) may not hold a `%` without two hex digits.
 */
export function isRequestURI(s: string): boolean {
  if (/[\x00-\x1f\x7f]/.test(s)) return false;
  if (s === '') return false;
  if (s === '*') return true;
  let rest = s;
  let scheme = '';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
  if (m) {
    scheme = m[1]!;
    rest = s.slice(m[0].length);
  } else if (s.startsWith(':')) {
    return false; // "missing protocol scheme"
  }
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (!rest.startsWith('/')) return scheme !== '';
  if (scheme !== '' && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    if (!validAuthority(authority)) return false;
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  return validEscapes(rest);
}

/** `%` is always followed by two hex digits. */
function validEscapes(s: string): boolean {
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
    if (!HEX.test(s.slice(i + 1, i + 3))) return false;
  }
  return true;
}

/** Characters Go accepts unescaped in a host: letters, digits, `-._~` and the sub-delimiters. */
const HOST_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]$/;

/**
 * Go's `parseAuthority`: optional userinfo before the last `@` (characters
 * `[A-Za-z0-9-._:~!$&'()*+,;=%@]`), then a host: `[IPv6]` with an optional `:port`, or a name whose
 * last `:` starts a port of digits; host bytes as {@link HOST_CHAR} (or non-ASCII), escapes
 * `%XY` only for bytes ≥ 0x80 or `%25`.
 */
function validAuthority(authority: string): boolean {
  const at = authority.lastIndexOf('@');
  let host = authority;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo) || !validEscapes(userinfo)) return false;
    host = authority.slice(at + 1);
  }
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return false;
    if (!/^(:\d*)?$/.test(host.slice(close + 1))) return false;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !/^:\d*$/.test(host.slice(colon))) return false;
  }
  for (let i = 0; i < host.length; i++) {
    const c = host[i]!;
    if (c === '%') {
      const hex = host.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return false;
      if (parseInt(hex[0]!, 16) < 8 && hex !== '25') return false;
      i += 2;
      continue;
    }
    if (c.charCodeAt(0) < 0x80 && !HOST_CHAR.test(c)) return false;
  }
  return true;
}
