import { RecordError } from './errors.js';

/** A log or tenant name: lowercase ASCII letters, digits and '-', not starting with '-'. */
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A decimal index without leading zeros, at most 16 digits. */
const INDEX = /^(?:0|[1-9][0-9]{0,15})$/;
const MAX_ID_LENGTH = 63 + 1 + 16;

/** Whether `name` is a valid log or tenant name, ^[a-z0-9][a-z0-9-]{0,62}$. */
export function isName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 63 && NAME.test(name);
}

/** Whether `index` is a safe non-negative integer. */
export function isIndex(index: unknown): index is number {
  return Number.isSafeInteger(index) && (index as number) >= 0;
}

/**
 * Parses a canonical decimal index (no sign, no leading zeros, a safe integer); undefined
 * otherwise.
 */
export function parseIndex(text: string): number | undefined {
  if (!INDEX.test(text)) return undefined;
  const index = Number(text);
  return Number.isSafeInteger(index) ? index : undefined;
}

/**
 * The id of the record at `index` in the log named `log`: "<log>-<index>" (e.g.
 * "acme-prod-42"). Throws RecordError INVALID_ARGUMENT.
 */
export function recordId(log: string, index: number): string {
  if (!isName(log)) {
    throw new RecordError('INVALID_ARGUMENT', 'log name must match ^[a-z0-9][a-z0-9-]{0,62}$');
  }
  if (!isIndex(index)) {
    throw new RecordError('INVALID_ARGUMENT', 'index must be a safe non-negative integer');
  }
  return `${log}-${index}`;
}

/**
 * Parses a record id: the index is the decimal after the last '-' (no leading zeros), the
 * log name everything before it (log names may themselves contain '-').
 * Throws RecordError INVALID_ARGUMENT.
 */
export function parseRecordId(id: string): { log: string; index: number } {
  if (typeof id !== 'string' || id.length > MAX_ID_LENGTH) {
    throw new RecordError(
      'INVALID_ARGUMENT',
      'record id must be a string of at most 80 characters',
    );
  }
  const dash = id.lastIndexOf('-');
  const log = id.slice(0, dash);
  const index = parseIndex(id.slice(dash + 1));
  if (dash < 0 || !isName(log) || index === undefined) {
    throw new RecordError('INVALID_ARGUMENT', 'record id must be "<log name>-<decimal index>"');
  }
  return { log, index };
}
