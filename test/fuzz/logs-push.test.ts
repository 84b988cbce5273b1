/**
 * Fuzzing Loki push bodies (`POST /loki/api/v1/push`): JSON and snappy-compressed protobuf, each
 * decodes or throws `PushDecodeError`, and stream label text parses or throws `LabelParseError`,
 * within the bound.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodePush, PushDecodeError } from '../../src/logs/push/decode.js';
import { LabelParseError, parseStreamLabels } from '../../src/logs/push/labels.js';
import { pushRequestType } from '../../src/logs/push/proto.js';
import { snappyEncode } from '../../src/remote/snappy.js';
import { expectTypedOutcome, FUZZ_TIMEOUT_MS, mutatedBytes, mutatedText, runs } from './support.js';

const JSON_SEEDS = [
  '{"streams":[{"stream":{"app":"api","env":"prod"},"values":[["1700000000000000000","GET /x 200"],["1700000000000000001","err",{"trace_id":"abc"}]]}]}',
  '{"streams":[]}',
];
const TOKENS = ['{', '}', '[', ']', '"', ':', ',', '\\', '\\u0000', 'null', 'true', '1e400', '-1', '"streams"', '"stream"', '"values"', '"1700000000000000000"', '"__name__"', '"a b"', ' '];

const typed = (e: unknown) => e instanceof PushDecodeError;

describe('Loki push fuzzing', { timeout: FUZZ_TIMEOUT_MS }, () => {
  it('JSON bodies', () => {
    fc.assert(
      fc.property(mutatedText(JSON_SEEDS, TOKENS), (s) => expectTypedOutcome(Buffer.from(s), (b) => decodePush(b, 'application/json', undefined), typed)),
      runs(400),
    );
  });

  it('stream label text', () => {
    const labels = mutatedText(['{app="api", env="prod"}', '{a="x\\"y", b=""}', '{}'], ['{', '}', '"', '\\', '=', '!=', '=~', ',', ' ', 'a', '1a', '__name__', '\u00e9']);
    fc.assert(fc.property(labels, (s) => expectTypedOutcome(s, parseStreamLabels, (e) => e instanceof LabelParseError)), runs(300));
  });

  it('snappy protobuf bodies', () => {
    const msg = pushRequestType().encode(
      pushRequestType().fromObject({
        streams: [{ labels: '{app="api"}', entries: [{ timestamp: { seconds: 1700000000, nanos: 5 }, line: 'hello', structuredMetadata: [{ name: 'k', value: 'v' }] }] }],
      }),
    ).finish();
    const seeds = [snappyEncode(msg), snappyEncode(new Uint8Array(0)), msg];
    fc.assert(
      fc.property(mutatedBytes(seeds), (b) => expectTypedOutcome(Buffer.from(b), (x) => decodePush(x, 'application/x-protobuf', undefined), typed)),
      runs(400),
    );
  });
});
