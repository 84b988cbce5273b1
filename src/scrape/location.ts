/**
 * Which redirect `Location` values Go's HTTP client refuses, and with what words. Go parses the
 * header with `url.Parse` (RFC 3986, strict) before following it, and Prometheus shows the
 * failure as `Get "<url>": failed to parse Location header "<loc>": parse "<loc>": <reason>`.
 * WHATWG URL parsing (Node's `URL`) accepts nearly anything as a relative path, so without this
 * check a malformed Location would be followed to some odd path on the target.
 *
 * Only the checks of Go's `net/url.Parse` are made here; resolving an accepted reference against
 * the request URL is left to `URL`.
 */
import { goQuote } from '../model/goquote.js';

/**
 * Go's reason for refusing the URI reference `ref` (`url.Parse`), as its error text
 * (`parse "<ref>": missing ']' in host`), or null when Go accepts it. Checked, in Go's order:
 * ASCII control characters; a scheme that starts with `:`; a colon in the first segment of a
 * relative path; in an authority the host (`[` without `]`, a non-numeric port, characters not
 * allowed in a host name, `%` escapes of ASCII bytes), the user info and its escapes; `%`
 * escapes in the path and the fragment.
 * @example locationParseError('ht!tp://[::1') → 'parse "ht!tp://[::1": first path segment in URL cannot contain colon'
 * @example locationParseError('/metrics?x=1') → null
 */
export function locationParseError(ref: string): string | null {
  const hash = ref.indexOf('#');
  const main = hash < 0 ? ref : ref.slice(0, hash);
  const reason = referenceError(main);
  if (reason !== null) return `parse ${goQuote(main)}: ${reason}`;
  if (hash >= 0) {
    const fragErr = unescapeError(ref.slice(hash + 1), 'fragment');
    if (fragErr !== null) return `parse ${goQuote(ref)}: ${fragErr}`;
  }
  return null;
}

/** Go's `parse` (not via a request) on a reference without its fragment. */
function referenceError(raw: string): string | null {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'net/url: invalid control character in URL';
  }
  if (raw === '*') return null;
  let scheme = '';
  let rest = raw;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ':') {
      if (i === 0) return 'missing protocol scheme';
      scheme = raw.slice(0, i);
      rest = raw.slice(i + 1);
    }
    break;
  }
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) rest = rest.slice(0, -1);
  else if (rest.includes('?')) rest = rest.slice(0, rest.indexOf('?'));
  if (!rest.startsWith('/')) {
    if (scheme !== '') return null;
    const slash = rest.indexOf('/');
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) return 'first path segment in URL cannot contain colon';
  }
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const authErr = authorityError(authority);
    if (authErr !== null) return authErr;
  }
  return unescapeError(rest, 'path');
}

/** Go's `parseAuthority`: `[userinfo@]host[:port]`. */
function authorityError(authority: string): string | null {
  const at = authority.lastIndexOf('@');
  const hostErr = hostError(at < 0 ? authority : authority.slice(at + 1));
  if (hostErr !== null || at < 0) return hostErr;
  const userinfo = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return 'net/url: invalid userinfo';
  const colon = userinfo.indexOf(':');
  if (colon < 0) return unescapeError(userinfo, 'userinfo');
  return unescapeError(userinfo.slice(0, colon), 'userinfo') ?? unescapeError(userinfo.slice(colon + 1), 'userinfo');
}

/** Go's `parseHost`: an IP literal in brackets or a name, each with an optional numeric port. */
function hostError(host: string): string | null {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return "missing ']' in host";
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return `invalid port ${goQuote(colonPort)} after host`;
    const zone = host.slice(0, close).indexOf('%25');
    if (zone >= 0) {
      return unescapeError(host.slice(0, zone), 'host') ?? unescapeError(host.slice(zone, close), 'zone') ?? unescapeError(host.slice(close), 'host');
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !validOptionalPort(host.slice(colon))) return `invalid port ${goQuote(host.slice(colon))} after host`;
  }
  return unescapeError(host, 'host');
}

function validOptionalPort(p: string): boolean {
  return p === '' || /^:[0-9]*$/.test(p);
}

type Part = 'path' | 'fragment' | 'userinfo' | 'host' | 'zone';

/** Characters a host name may hold as they are (Go's `shouldEscape(c, encodeHost)` is false). */
const HOST_CHARS = /^[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]$/;

/**
 * Go's `unescape` checks for one URL part: every `%` starts two hex digits; in a host a `%` escape
 * may only encode a non-ASCII byte (or be `%25`), in an IPv6 zone only a byte a host may hold (or
 * a space); a host or zone may not hold other ASCII characters Go would escape.
 */
function unescapeError(s: string, part: Part): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return `invalid URL escape ${goQuote(s.slice(i, i + 3))}`;
      const v = parseInt(hex, 16);
      const esc = s.slice(i, i + 3);
      if (part === 'host' && v < 0x80 && esc !== '%25') return `invalid URL escape ${goQuote(esc)}`;
      if (part === 'zone' && esc !== '%25' && v !== 0x20 && !HOST_CHARS.test(String.fromCharCode(v))) {
        return `invalid URL escape ${goQuote(esc)}`;
      }
      i += 2;
    } else if ((part === 'host' || part === 'zone') && c.charCodeAt(0) < 0x80 && !HOST_CHARS.test(c)) {
      return `invalid character ${goQuote(c)} in host name`;
    }
  }
  return null;
}
