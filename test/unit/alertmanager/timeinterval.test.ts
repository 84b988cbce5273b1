import { describe, expect, it } from 'vitest';
import {
  containsTime,
  parseDayOfMonthRange,
  parseMonthRange,
  parseTimeRange,
  parseWeekdayRange,
  parseYearRange,
  validateLocation,
} from '../../../src/alertmanager/timeinterval.js';

describe('time interval parsing', () => {
  it('parses ranges as upstream', () => {
    expect(parseWeekdayRange('Monday:friday')).toEqual({ begin: 1, end: 5 });
    expect(parseWeekdayRange('sunday')).toEqual({ begin: 0, end: 0 });
    expect(parseMonthRange('january:3')).toEqual({ begin: 1, end: 3 });
    expect(parseDayOfMonthRange('-7:-1')).toEqual({ begin: -7, end: -1 });
    expect(parseYearRange('2024')).toEqual({ begin: 2024, end: 2024 });
    expect(parseTimeRange('00:00', '24:00')).toEqual({ startMinute: 0, endMinute: 1440 });
  });

  it('rejects invalid ranges with upstream texts', () => {
    expect(() => parseWeekdayRange('friday:monday')).toThrow('start day cannot be before end day');
    expect(() => parseMonthRange('march:january')).toThrow('end month january is before start month march');
    expect(() => parseMonthRange('smarch')).toThrow('smarch is not a valid month');
    expect(() => parseDayOfMonthRange('0')).toThrow('0 is not a valid day of the month: out of range');
    expect(() => parseDayOfMonthRange('-1:5')).toThrow('end day must be negative if start day is negative');
    expect(() => parseDayOfMonthRange('10:-25')).toThrow('end day -25 is always before start day 10');
    expect(() => parseYearRange('2025:2024')).toThrow('end year 2024 is before start year 2025');
    expect(() => parseYearRange('a:b:c')).toThrow("couldn't parse range a:b:c, invalid format");
    expect(() => parseTimeRange('9:00', '10:00')).toThrow("couldn't parse timestamp 9:00, invalid format");
    expect(() => parseTimeRange('', '10:00')).toThrow('both start and end times must be provided');
    expect(() => validateLocation('Nowhere/Special')).toThrow('unknown time zone Nowhere/Special');
  });
});

describe('containsTime', () => {
  // Wednesday 2024-01-31 10:30 UTC
  const t = Date.UTC(2024, 0, 31, 10, 30);

  it('checks every set field', () => {
    expect(containsTime({}, t)).toBe(true);
    expect(containsTime({ times: [{ startMinute: 600, endMinute: 660 }] }, t)).toBe(true);
    expect(containsTime({ times: [{ startMinute: 540, endMinute: 630 }] }, t)).toBe(false);
    expect(containsTime({ weekdays: [parseWeekdayRange('monday:wednesday')] }, t)).toBe(true);
    expect(containsTime({ weekdays: [parseWeekdayRange('thursday:friday')] }, t)).toBe(false);
    expect(containsTime({ months: [parseMonthRange('january')], years: [parseYearRange('2023:2024')] }, t)).toBe(true);
    expect(containsTime({ months: [parseMonthRange('february:december')] }, t)).toBe(false);
  });

  it('counts negative days of month from the end of the month', () => {
    expect(containsTime({ days_of_month: [parseDayOfMonthRange('-1')] }, t)).toBe(true);
    expect(containsTime({ days_of_month: [parseDayOfMonthRange('-1')] }, Date.UTC(2024, 1, 29, 12))).toBe(true);
    expect(containsTime({ days_of_month: [parseDayOfMonthRange('-1')] }, Date.UTC(2024, 1, 28, 12))).toBe(false);
    expect(containsTime({ days_of_month: [parseDayOfMonthRange('30:31')] }, Date.UTC(2024, 1, 29, 12))).toBe(false);
  });

  it('evaluates in the interval location', () => {
    // 10:30 UTC is 19:30 in Tokyo and 05:30 in New York (EST).
    expect(containsTime({ times: [{ startMinute: 19 * 60, endMinute: 20 * 60 }], location: 'Asia/Tokyo' }, t)).toBe(true);
    expect(containsTime({ times: [{ startMinute: 5 * 60, endMinute: 6 * 60 }], location: 'America/New_York' }, t)).toBe(true);
    expect(containsTime({ times: [{ startMinute: 5 * 60, endMinute: 6 * 60 }], location: 'UTC' }, t)).toBe(false);
  });
});
