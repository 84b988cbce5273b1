/**
 * Which redirect Locations Go's url.Parse refuses, with its words. The first six cases were
 * checked against Prometheus 2.42's lastError; the others follow Go's net/url source.
 */
import { describe, expect, it } from 'vitest';
import { locationParseError } from '../../../src/scrape/location.js';

describe('locationParseError', () => {
  it.each([
    ['ht!tp://[::1', 'parse "ht!tp://[::1": first path segment in URL cannot contain colon'],
    ['http://[::1', `parse "http://[::1": missing ']' in host`],
    ['http://ex ample.com/', 'parse "http://ex ample.com/": invalid character " " in host name'],
    ['/a%zzb', 'parse "/a%zzb": invalid URL escape "%zz"'],
    ['http://127.0.0.1:80x/', 'parse "http://127.0.0.1:80x/": invalid port ":80x" after host'],
    [':foo', 'parse ":foo": missing protocol scheme'],
    ['/a\tb', 'parse "/a\\tb": net/url: invalid control character in URL'],
    ['/x%4', 'parse "/x%4": invalid URL escape "%4"'],
    ['http://[::1]x/', 'parse "http://[::1]x/": invalid port "x" after host'],
    ['http://a%41b/', 'parse "http://a%41b/": invalid URL escape "%41"'],
    ['http://[fe80::1%25en%2f0]/', 'parse "http://[fe80::1%25en%2f0]/": invalid URL escape "%2f"'],
    ['http://us{er@host/', 'parse "http://us{er@host/": net/url: invalid userinfo'],
    ['http://user:p%zz@host/', 'parse "http://user:p%zz@host/": invalid URL escape "%zz"'],
    ['/ok#frag%z', 'parse "/ok#frag%z": invalid URL escape "%z"'],
    ['a:b/c', null],
    ['mailto:someone', null],
    ['/metrics?x=1&y=%zz', null],
    ['other/path', null],
    ['./a:b', null],
    ['//host:9100/metrics', null],
    ['http://[fe80::1%25en0]:9100/m', null],
    ['https://user:p@ss@host/x', null],
    ['http://h/p#f', null],
    ['*', null],
  ])('%s', (loc, expected) => {
    expect(locationParseError(loc)).toBe(expected);
  });
});
