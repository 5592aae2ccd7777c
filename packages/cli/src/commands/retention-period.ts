/**
 * A log's retention period, as its log policy keeps it: `<n>d`, `<n>mo` or `<n>y` (n 1–9999,
 * no leading zeros), at least six months: the EU AI Act (Art. 19(1), 26(6)) requires high-risk
 * AI system logs to be kept at least six months, HIPAA (45 CFR 164.316(b)(2)) six years for
 * documentation, so `6mo` is the floor and `6y` a common choice. Months and years are calendar
 * ones (UTC): a record of 2020-02-29 is kept by `1y` until 2021-03-01.
 */
const PATTERN = /^([1-9][0-9]{0,3})(d|mo|y)$/;
const MIN_DAYS = 183;

export interface RetentionPeriod {
  readonly text: string;
  readonly count: number;
  readonly unit: 'd' | 'mo' | 'y';
}

/** Parses a retention period; throws an Error saying what is wrong. */
export function parseRetention(text: string): RetentionPeriod {
  const m = PATTERN.exec(text);
  if (!m) throw new Error(`retention ${JSON.stringify(text)} is not <n>d, <n>mo or <n>y (e.g. 6y)`);
  const period = { text, count: Number(m[1]), unit: m[2] as RetentionPeriod['unit'] };
  const days = period.unit === 'd' ? period.count : period.unit === 'mo' ? period.count * 31 : 400;
  if (days < MIN_DAYS) {
    throw new Error(
      `retention ${text} is below six months, the minimum (EU AI Act Art. 19(1) and 26(6)); use 6mo or more`,
    );
  }
  return period;
}

/** The cutoff: records sequenced before it are older than `period` at `nowMs`. */
export function retentionCutoff(period: RetentionPeriod, nowMs: number): number {
  const d = new Date(nowMs);
  if (period.unit === 'd') return nowMs - period.count * 86_400_000;
  const months = period.unit === 'mo' ? period.count : period.count * 12;
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() - months;
  const target = new Date(Date.UTC(year, month, 1));
  // Clamp the day to the target month's length (31 March − 1 month: 28/29 February... + 1 day).
  const last = new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
  ).getUTCDate();
  return Date.UTC(
    target.getUTCFullYear(),
    target.getUTCMonth(),
    Math.min(d.getUTCDate(), last),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}
