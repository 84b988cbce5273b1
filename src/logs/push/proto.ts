/**
 * Loki's `logproto.PushRequest` (push.proto) as a protobufjs reflection definition: the body of
 * `POST /loki/api/v1/push` with `Content-Type: application/x-protobuf`, snappy block-compressed.
 *
 *   PushRequest { repeated StreamAdapter streams = 1 }
 *   StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3 }
 *   EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3 }
 *   LabelPairAdapter { string name = 1; string value = 2 }
 *   Timestamp (google.protobuf) { int64 seconds = 1; int32 nanos = 2 }
 */
import protobuf from 'protobufjs';

const SCHEMA = {
  nested: {
    logproto: {
      nested: {
        PushRequest: { fields: { streams: { rule: 'repeated', type: 'StreamAdapter', id: 1 } } },
        StreamAdapter: {
          fields: {
            labels: { type: 'string', id: 1 },
            entries: { rule: 'repeated', type: 'EntryAdapter', id: 2 },
            hash: { type: 'uint64', id: 3 },
          },
        },
        EntryAdapter: {
          fields: {
            timestamp: { type: 'Timestamp', id: 1 },
            line: { type: 'string', id: 2 },
            structuredMetadata: { rule: 'repeated', type: 'LabelPairAdapter', id: 3 },
          },
        },
        LabelPairAdapter: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
      },
    },
  },
};

let pushRequest: protobuf.Type | undefined;

/**
 * The `logproto.PushRequest` message type (decode/encode), reflected from the schema on the first
 * call (not at startup: the server's time to ready does not pay for it).
 */
export function pushRequestType(): protobuf.Type {
  return (pushRequest ??= protobuf.Root.fromJSON(SCHEMA).lookupType('logproto.PushRequest'));
}

/** An int64 as protobufjs returns it: a number, or a Long-like object when `long` is installed. */
export type Int64 = number | { toString(): string };

/** Decoded shapes (protobufjs message objects; absent fields are defaults). */
export interface ProtoPushRequest {
  streams: { labels: string; entries: { timestamp?: { seconds?: Int64; nanos?: number }; line: string; structuredMetadata?: { name: string; value: string }[] }[] }[];
}
