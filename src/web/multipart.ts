/**
 * `multipart/form-data` bodies (RFC 7578), read as Go's `Request.FormValue` reads them: the
 * values of parts without a `filename` become form values; file parts are skipped. Prometheus's
 * API answers such POSTs (e.g. `curl -F query=up`), so Lookout does too.
 */

/** The `boundary` parameter of a `multipart/form-data` content type, or null. */
export function multipartBoundary(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!) : null;
}

/**
 * The form values of a multipart body, in body order. A malformed body yields the values read
 * before the fault (Go's `FormValue` ignores the parse error too).
 */
export function parseMultipart(body: Buffer, boundary: string): URLSearchParams {
  const out = new URLSearchParams();
  const delim = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delim);
  while (at >= 0) {
    let p = at + delim.length;
    if (body[p] === 0x2d && body[p + 1] === 0x2d) break; // closing `--boundary--`
    while (body[p] === 0x20 || body[p] === 0x09) p++;
    if (body[p] === 0x0d && body[p + 1] === 0x0a) p += 2;
    else if (body[p] === 0x0a) p += 1;
    else break;
    const headersEnd = body.indexOf('\r\n\r\n', p);
    if (headersEnd < 0) break;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headersEnd);
    if (next < 0) break;
    const headers = body.subarray(p, headersEnd).toString('latin1');
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
    const name = dispositionParam(disposition, NAME_PARAM);
    if (name !== null && dispositionParam(disposition, FILENAME_PARAM) === null) {
      out.append(name, body.subarray(headersEnd + 4, next).toString('utf8'));
    }
    at = next + 2;
  }
  return out;
}

const NAME_PARAM = /;\s*name=(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/i;
const FILENAME_PARAM = /;\s*filename=(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/i;

/** A parameter (`NAME_PARAM`, `FILENAME_PARAM`) of a `Content-Disposition` header value, or null. */
function dispositionParam(value: string, re: RegExp): string | null {
  const m = re.exec(value);
  if (!m) return null;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
}
