/**
 * The HTTP server runs without fastify's JSON-schema compilers (web/server.ts `NO_SCHEMA_COMPILERS`,
 * which keeps ajv out of startup): routes without a schema answer as before, and a route declaring
 * a validation schema fails to register with a clear error instead of being served unchecked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/web/server.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('fastify without schema compilers', () => {
  it('serves the lifecycle routes', async () => {
    app = await buildApp({ listenAddress: '127.0.0.1:0', name: 'Lookout Server', enableLifecycle: false, isReady: () => true });
    const res = await app.inject({ method: 'GET', url: '/-/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('Lookout Server is Ready.\n');
  });

  it('refuses a route with a validation schema', async () => {
    app = await buildApp({ listenAddress: '127.0.0.1:0', name: 'Lookout Server', enableLifecycle: false, isReady: () => true });
    app.get('/checked', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, () => 'ok');
    await expect(app.ready()).rejects.toThrow('route schemas are not supported (no validator compiler loaded)');
  });
});
