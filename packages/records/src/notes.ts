import { MAX_NOTE_SIZE, parseNote } from '@proofline/note';
import { RecordError, type RecordErrorCode } from './errors.js';

/**
 * Checks that `value` is a syntactically valid signed note (@proofline/note parseNote: at
 * most MAX_NOTE_SIZE bytes, text, blank line, signature lines). Signatures are not verified.
 * Throws RecordError `code` at `field`, with the NoteError as `cause`.
 */
export function checkNote(value: unknown, code: RecordErrorCode, field: string): string {
  if (typeof value !== 'string') throw new RecordError(code, 'must be a string', { field });
  if (value.length > MAX_NOTE_SIZE) {
    throw new RecordError(code, `exceeds ${MAX_NOTE_SIZE} bytes`, { field });
  }
  try {
    parseNote(value);
  } catch (cause) {
    throw new RecordError(code, 'not a signed note', { field, cause });
  }
  return value;
}
