import { describe, expect, it } from 'vitest';
import { Logger } from '../../../src/log.js';
import { encodeMetadataRequests, MetadataSender } from '../../../src/remote/metadata.js';
import { prompb, TO_OBJECT } from '../../../src/remote/proto.js';
import { snappyDecode } from '../../../src/remote/snappy.js';

class QuietLogger extends Logger {
  override info(): void {}
  override warn(): void {}
  override error(): void {}
}

const decode = (b: Uint8Array) => prompb.WriteRequest.toObject(prompb.WriteRequest.decode(snappyDecode(b, 1 << 20)), TO_OBJECT);

const FAMILIES = [
  { family: 'http_requests_total', type: 'counter', help: 'Requests.', unit: '' },
  { family: 'temp', type: 'gauge', help: '', unit: 'celsius' },
  { family: 'odd', type: 'unknown', help: 'x', unit: '' },
];

describe('remote-write metadata', () => {
  it('encodes MetricMetadata entries in requests of at most perRequest entries', () => {
    const bodies = encodeMetadataRequests(FAMILIES, 2);
    expect(bodies.map(decode)).toEqual([
      {
        timeseries: [],
        metadata: [
          { type: 1, metricFamilyName: 'http_requests_total', help: 'Requests.', unit: '' },
          { type: 2, metricFamilyName: 'temp', help: '', unit: 'celsius' },
        ],
      },
      { timeseries: [], metadata: [{ type: 0, metricFamilyName: 'odd', help: 'x', unit: '' }] },
    ]);
  });

  it('retries recoverable failures and counts non-recoverable ones', async () => {
    const statuses = [503, 204, 400];
    const sent: number[] = [];
    const results: [boolean, number][] = [];
    const sender = new MetadataSender({
      source: () => FAMILIES,
      send: async () => {
        const status = statuses.shift()!;
        sent.push(status);
        return { status, headers: {}, body: Buffer.from('') };
      },
      intervalMs: 60_000,
      perRequest: 2,
      minBackoffMs: 1,
      maxBackoffMs: 2,
      retryOnHttp429: false,
      log: new QuietLogger(),
      onResult: (ok, n) => results.push([ok, n]),
    });
    await sender.sendAll();
    expect(sent).toEqual([503, 204, 400]);
    expect(results).toEqual([
      [true, 2],
      [false, 1],
    ]);
  });
});
