/**
 * Stream label sets and selectors in LogQL syntax: `{name="value", other=~"x|y"}` (values are Go
 * string literals). Push bodies in protobuf carry a stream's label set this way (`=` only); the
 * series and index-stats APIs take selectors.
 */
import { goUnquote } from '../../model/goquote.js';
import { compareStrings, type Labels } from '../../model/labels.js';

/** Thrown with Loki's message for unparsable label text. */
export class LabelParseError extends Error {
  override name = 'LabelParseError';
}

const NAME_START = /[a-zA-Z_]/;
const NAME_CHAR = /[a-zA-Z0-9_]/;

/** One `name op "value"` term of a stream selector. */
export interface SelectorTerm {
  readonly name: string;
  readonly type: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/**
 * Parses `{name op "value", …}` (op one of `=`, `!=`, `=~`, `!~`) into terms in written order.
 * `fail` throws with the caller's wording.
 */
export function parseSelectorTerms(text: string, fail: (why: string) => never): SelectorTerm[] {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  ws();
  if (text[i] !== '{') fail(`unexpected ${text[i] === undefined ? 'end of input' : `'${text[i]}'`}, expected '{'`);
  i++;
  const terms: SelectorTerm[] = [];
  ws();
  if (text[i] === '}') i++;
  else {
    for (;;) {
      ws();
      const start = i;
      if (!NAME_START.test(text[i] ?? '')) fail(`expected a label name at position ${i}`);
      while (i < text.length && NAME_CHAR.test(text[i]!)) i++;
      const name = text.slice(start, i);
      ws();
      let type: SelectorTerm['type'];
      if (text.startsWith('=~', i)) type = '=~';
      else if (text.startsWith('!~', i)) type = '!~';
      else if (text.startsWith('!=', i)) type = '!=';
      else if (text[i] === '=') type = '=';
      else return fail(`expected a matcher operator after label name ${name}`);
      i += type.length;
      ws();
      const q = text[i];
      if (q !== '"' && q !== '`') fail(`expected a quoted value for label ${name}`);
      const vs = i++;
      while (i < text.length && text[i] !== q) i += q === '"' && text[i] === '\\' ? 2 : 1;
      if (i >= text.length) fail(`unterminated quoted value for label ${name}`);
      i++;
      let value = '';
      try {
        value = goUnquote(text.slice(vs, i));
      } catch {
        fail(`invalid quoted value for label ${name}`);
      }
      terms.push({ name, type, value });
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        break;
      }
      fail(`expected ',' or '}' at position ${i}`);
    }
  }
  ws();
  if (i !== text.length) fail(`unexpected text after '}' at position ${i}`);
  return terms;
}

/**
 * `{a="1", b="2"}` → sorted flat label set `['a','1','b','2']`. Only `=` is allowed. Empty values
 * are dropped (a label with an empty value does not exist); a repeated name is kept twice so
 * validation can report it.
 * @throws {LabelParseError} `error parsing labels '<text>' with error: <reason>`.
 */
export function parseStreamLabels(text: string): Labels {
  const fail = (why: string): never => {
    throw new LabelParseError(`error parsing labels '${text}' with error: ${why}`);
  };
  const pairs: [string, string][] = [];
  for (const t of parseSelectorTerms(text, fail)) {
    if (t.type !== '=') fail(`label ${t.name} must use '=' in a stream's label set`);
    if (t.value !== '') pairs.push([t.name, t.value]);
  }
  pairs.sort((a, b) => compareStrings(a[0], b[0]));
  return pairs.flat();
}

/** Sorted flat label set from a JSON object's string values (empty values dropped, others rejected by the caller). */
export function labelsFromObject(obj: Record<string, unknown>): Labels {
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(obj)) if (typeof v === 'string' && v !== '') pairs.push([k, v]);
  pairs.sort((a, b) => compareStrings(a[0], b[0]));
  return pairs.flat();
}
