/**
 * Request parameters as Prometheus reads them: the URL query string merged with a
 * `application/x-www-form-urlencoded` body (POST), body values after query values.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Accepts form-encoded bodies on `app`, parsed into `URLSearchParams`. */
export function acceptFormBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
}

/** All parameters of a request (query string, then form body). */
export function params(req: FastifyRequest): URLSearchParams {
  const q = req.url.indexOf('?');
  const out = new URLSearchParams(q >= 0 ? req.url.slice(q + 1) : '');
  if (req.body instanceof URLSearchParams) for (const [k, v] of req.body) out.append(k, v);
  return out;
}
