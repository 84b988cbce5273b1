/**
 * Label set fingerprints as Prometheus `model.LabelSet.Fingerprint()`: 64-bit FNV-1a over the
 * label names sorted, each name and value followed by the separator byte 0xff, rendered as 16 hex
 * digits (`%016x`). Alertmanager uses them as alert identities (`fingerprint` in API v2 and in the
 * webhook payload), so equal label sets give the same id as a real Alertmanager.
 */
import { Fnv64a } from '../model/fnv.js';

const SEPARATOR = 0xff;

/**
 * The fingerprint of a label set `{name: value}` as 16 lower-case hex digits. Names are ordered by
 * code unit (byte order for ASCII names). The empty set gives the FNV offset basis
 * `cbf29ce484222325`, as upstream.
 */
export function fingerprint(labels: Readonly<Record<string, string>>): string {
  const h = new Fnv64a();
  const names = Object.keys(labels).sort();
  for (const n of names) {
    h.addString(n);
    h.addByte(SEPARATOR);
    h.addString(labels[n]!);
    h.addByte(SEPARATOR);
  }
  return h.hex();
}
