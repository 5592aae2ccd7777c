import { RecordError } from './errors.js';

/** The last millisecond of year 9999. */
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** RFC 3339 UTC with exactly three fractional digits, e.g. 2026-11-27T03:05:00.123Z. */
export const TIME_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Milliseconds since the Unix epoch of a record time string, or undefined when `text` is not
 * one: "YYYY-MM-DDTHH:MM:SS.sssZ" (RFC 3339 §5.6, UTC, uppercase T and Z, exactly three
 * fractional digits), a real calendar date and time of years 1970..9999, no leap second
 * (:60). Every instant has exactly one such string (see formatTime).
 */
export function timeValue(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length !== 24 || !TIME_SHAPE.test(text)) return undefined;
  // TIME_SHAPE: every field is decimal digits at a fixed offset.
  const field = (at: number, length: number): number => Number(text.slice(at, at + length));
  const year = field(0, 4);
  const month = field(5, 2);
  const day = field(8, 2);
  const hour = field(11, 2);
  const minute = field(14, 2);
  const second = field(17, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, field(20, 3));
}

/** Days in `month` (1-12) of the Gregorian `year`. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Whether `ms` is an integer number of milliseconds since the epoch in years 1970..9999. */
export function isTimeMs(ms: unknown): ms is number {
  return Number.isSafeInteger(ms) && (ms as number) >= 0 && (ms as number) <= MAX_TIME_MS;
}

/**
 * Formats milliseconds since the Unix epoch as a record time string (see timeValue).
 * Throws RecordError INVALID_ARGUMENT unless `ms` is an integer in years 1970..9999.
 */
export function formatTime(ms: number): string {
  if (!isTimeMs(ms)) {
    throw new RecordError('INVALID_ARGUMENT', 'time must be an integer ms in years 1970..9999');
  }
  return new Date(ms).toISOString();
}

/** Parses a record time string (see timeValue). Throws RecordError INVALID_ARGUMENT. */
export function parseTime(text: string): number {
  const ms = timeValue(text);
  if (ms === undefined) {
    throw new RecordError(
      'INVALID_ARGUMENT',
      'time must be RFC 3339 UTC: YYYY-MM-DDTHH:MM:SS.sssZ',
    );
  }
  return ms;
}
