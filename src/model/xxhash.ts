/**
 * XXH64 (seed 0), as Go's `github.com/cespare/xxhash/v2.Sum64`, and Prometheus's label-set hash
 * built on it (`labels.Labels.Hash()`).
 *
 * Users: PromQL `limit_ratio` (which series to keep, as upstream picks them) and the rule manager
 * (`Group.hash`, spreading group evaluations over their interval as upstream does). BigInt
 * arithmetic: both call it once per series per query or once per group, never per sample.
 */
import type { Labels } from './labels.js';

const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK;
}

function round(acc: bigint, input: bigint): bigint {
  return (rotl((acc + input * P2) & MASK, 31n) * P1) & MASK;
}

function mergeRound(acc: bigint, val: bigint): bigint {
  return ((acc ^ round(0n, val)) * P1 + P4) & MASK;
}

/** Little-endian uint64 at `b[i..i+8)`. */
function u64(b: Uint8Array, i: number): bigint {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]!);
  return v;
}

/** Little-endian uint32 at `b[i..i+4)`. */
function u32(b: Uint8Array, i: number): bigint {
  return BigInt((b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0);
}

/** XXH64 of `b` with seed 0, as an unsigned 64-bit BigInt (e.g. `''` → `0xef46db3751d8e999n`). */
export function xxhash64(b: Uint8Array): bigint {
  const n = b.length;
  let i = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (P1 + P2) & MASK;
    let v2 = P2;
    let v3 = 0n;
    let v4 = -P1 & MASK;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, u64(b, i));
      v2 = round(v2, u64(b, i + 8));
      v3 = round(v3, u64(b, i + 16));
      v4 = round(v4, u64(b, i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & MASK;
  for (; i + 8 <= n; i += 8) {
    h ^= round(0n, u64(b, i));
    h = (rotl(h, 27n) * P1 + P4) & MASK;
  }
  if (i + 4 <= n) {
    h ^= (u32(b, i) * P1) & MASK;
    h = (rotl(h, 23n) * P2 + P3) & MASK;
    i += 4;
  }
  for (; i < n; i++) {
    h ^= (BigInt(b[i]!) * P5) & MASK;
    h = (rotl(h, 11n) * P1) & MASK;
  }
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  h ^= h >> 32n;
  return h;
}

const utf8 = new TextEncoder();

/**
 * Prometheus `labels.Labels.Hash()` of a sorted flat label set: XXH64 of
 * `name 0xff value 0xff …` (UTF-8 bytes, 0xff as a raw separator byte), as an unsigned 64-bit BigInt.
 */
export function labelsHash(ls: Labels): bigint {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const s of ls) {
    const e = utf8.encode(s);
    parts.push(e);
    size += e.length + 1;
  }
  const buf = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
    buf[at++] = 0xff;
  }
  return xxhash64(buf);
}
