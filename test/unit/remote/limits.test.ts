/**
 * The remote-write receiver's size limits (src/remote/write-limits.ts): each limit just under is
 * accepted, just over is refused whole with 400 and Mimir's wording, nothing is stored, and the
 * refusal is counted in `lookout_http_limit_refusals_total{limit}`.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { WriteRequestEncoder } from '../../../src/remote/proto.js';
import { snappyEncode } from '../../../src/remote/snappy.js';
import { handleRemoteWrite } from '../../../src/remote/write-handler.js';
import { DEFAULT_WRITE_LIMITS, type WriteLimits } from '../../../src/remote/write-limits.js';
import { Head } from '../../../src/tsdb/head.js';
import { countLimitRefusal } from '../../../src/web/limits.js';

const T0 = Date.now() - 60_000;

function body(series: string[][]): Uint8Array {
  const enc = new WriteRequestEncoder();
  for (const labels of series) {
    enc.beginSeries(labels);
    enc.sample(T0, 1);
    enc.endSeries();
  }
  return snappyEncode(enc.finish());
}

async function refusals(reg: Registry): Promise<Record<string, number>> {
  const m = reg.getSingleMetric('lookout_http_limit_refusals_total');
  if (!m) return {};
  return Object.fromEntries((await m.get()).values.map((v) => [v.labels.limit, v.value]));
}

function write(b: Uint8Array, limits: Partial<WriteLimits> = {}) {
  const head = new Head();
  const reg = new Registry();
  const res = handleRemoteWrite(head, b, undefined, { limits: { ...DEFAULT_WRITE_LIMITS, ...limits }, onRefusal: (l) => countLimitRefusal(reg, l) });
  return { res, head, reg };
}

/** `n` labels: `__name__="m"` and `l01="v"`, `l02="v"`, …. */
function labelsOf(n: number): string[] {
  const out = ['__name__', 'm'];
  for (let i = 1; i < n; i++) out.push(`l${String(i).padStart(2, '0')}`, 'v');
  return out;
}

const ok = { status: 204, headers: {}, body: '' };

describe('remote-write receiver limits', () => {
  it('defaults are Mimir\'s per-series limits and 100,000 series per request', () => {
    expect(DEFAULT_WRITE_LIMITS).toEqual({ maxSeriesPerRequest: 100_000, maxLabelNamesPerSeries: 30, maxLabelNameLength: 1024, maxLabelValueLength: 2048 });
  });

  it('series per request: at the limit accepted, one more refused whole', async () => {
    const three = [['__name__', 'a'], ['__name__', 'b'], ['__name__', 'c']];
    const under = write(body(three), { maxSeriesPerRequest: 3 });
    expect(under.res).toEqual(ok);
    expect(under.head.numSeries()).toBe(3);
    expect(await refusals(under.reg)).toEqual({});

    const over = write(body([...three, ['__name__', 'd']]), { maxSeriesPerRequest: 3 });
    expect(over.res).toEqual({
      status: 400,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
      body: 'received a write request with too many series (actual: 4, limit: 3) (limit set by --web.remote-write-receiver.max-series-per-request)\n',
    });
    expect(over.head.numSeries()).toBe(0);
    expect(await refusals(over.reg)).toEqual({ remote_write_series: 1 });
  });

  it('label names per series: 30 accepted, 31 refused, the series cut at 200 characters with an ellipsis', async () => {
    const under = write(body([labelsOf(30)]));
    expect(under.res).toEqual(ok);
    expect(under.head.numSeries()).toBe(1);

    const over = write(body([['__name__', 'fine'], labelsOf(31)]));
    const shown = 'm{' + labelsOf(31).slice(2).reduce((a, s, i) => a + (i % 2 === 0 ? `${i > 0 ? ', ' : ''}${s}=` : `"${s}"`), '') + '}';
    expect(shown.length).toBeGreaterThan(200);
    expect(over.res).toMatchObject({
      status: 400,
      body: `received a series whose number of labels exceeds the limit (actual: 31, limit: 30) series: '${shown.slice(0, 200)}\u2026' (limit set by --web.remote-write-receiver.max-label-names-per-series)\n`,
    });
    expect(over.head.numSeries()).toBe(0);
    expect(await refusals(over.reg)).toEqual({ remote_write_label_names: 1 });
  });

  it('label names per series counts labels as sent, and a short series is shown whole', () => {
    expect(write(body([['__name__', 'm', 'a', '1']]), { maxLabelNamesPerSeries: 2 }).res).toEqual(ok);
    expect(write(body([['__name__', 'm', 'a', '1', 'b', '']]), { maxLabelNamesPerSeries: 2 }).res).toMatchObject({
      status: 400,
      body: `received a series whose number of labels exceeds the limit (actual: 3, limit: 2) series: 'm{a="1", b=""}' (limit set by --web.remote-write-receiver.max-label-names-per-series)\n`,
    });
  });

  it('label name length: 1024 bytes accepted, 1025 refused; measured in UTF-8 bytes', async () => {
    expect(write(body([['__name__', 'm', 'a'.repeat(1024), 'v']])).res).toEqual(ok);
    const over = write(body([['__name__', 'm', 'a'.repeat(1025), 'v']]));
    expect(over.res).toMatchObject({
      status: 400,
      body: `received a series whose label name length exceeds the limit, label: '${'a'.repeat(200)}' series: 'm{${'a'.repeat(198)}' (limit set by --web.remote-write-receiver.max-label-name-length)\n`,
    });
    expect(over.head.numSeries()).toBe(0);
    expect(await refusals(over.reg)).toEqual({ remote_write_label_name_length: 1 });
    // 'é' is 2 bytes: 512 of them are 1024 bytes, 513 are 1026.
    expect(write(body([['__name__', 'm', 'é'.repeat(512), 'v']])).res).toEqual(ok);
    expect(write(body([['__name__', 'm', 'é'.repeat(513), 'v']])).res.status).toBe(400);
  });

  it('label value length: 2048 bytes accepted, 2049 refused', async () => {
    expect(write(body([['__name__', 'm', 'a', 'v'.repeat(2048)]])).res).toEqual(ok);
    const over = write(body([['__name__', 'm'], ['__name__', 'm', 'a', 'v'.repeat(2049)]]));
    expect(over.res).toMatchObject({
      status: 400,
      body: `received a series whose label value length exceeds the limit, value: '${'v'.repeat(200)}' (truncated) series: 'm{a="${'v'.repeat(195)}' (limit set by --web.remote-write-receiver.max-label-value-length)\n`,
    });
    expect(over.head.numSeries()).toBe(0);
    expect(await refusals(over.reg)).toEqual({ remote_write_label_value_length: 1 });
    expect(write(body([['__name__', 'm', 'a', '€'.repeat(683)]])).res.status).toBe(400);
    expect(write(body([['__name__', 'm', 'a', '€'.repeat(682)]])).res).toEqual(ok);
  });

  it('0 turns each limit off', () => {
    const off = { maxSeriesPerRequest: 0, maxLabelNamesPerSeries: 0, maxLabelNameLength: 0, maxLabelValueLength: 0 };
    const res = write(body([labelsOf(40), ['__name__', 'm', 'x'.repeat(5000), 'y'.repeat(5000)]]), off);
    expect(res.res).toEqual(ok);
    expect(res.head.numSeries()).toBe(2);
  });

  it('counts a snappy body that decodes past the bound as decompressed_size', async () => {
    const head = new Head();
    const reg = new Registry();
    const res = handleRemoteWrite(head, Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x04]), 1 << 20, { onRefusal: (l) => countLimitRefusal(reg, l) });
    expect(res).toMatchObject({ status: 400, body: 'snappy: decoded block is too large\n' });
    expect(await refusals(reg)).toEqual({ decompressed_size: 1 });
    // Corrupt input is not a limit.
    handleRemoteWrite(head, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 1 << 20, { onRefusal: (l) => countLimitRefusal(reg, l) });
    expect(await refusals(reg)).toEqual({ decompressed_size: 1 });
  });
});
