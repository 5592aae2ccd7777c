import {
  BODY_LIMITS,
  JsonBodyError,
  parseBoundedJson,
  type JsonBodyErrorCode,
} from './bounded-json.js';

/**
 * What parsing a body gave: its value, or why it was refused. Plain data, so that it crosses
 * from the parsing thread (body-worker.ts) by structured clone.
 */
export type BodyOutcome =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      /** UTF8: not strict UTF-8; EMPTY: nothing but whitespace; else the parser's code. */
      readonly code: JsonBodyErrorCode | 'UTF8' | 'EMPTY';
      readonly message: string;
      /** The JSON Pointer of a repeated member name. */
      readonly field?: string;
    };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes `bytes` as strict UTF-8 (a leading BOM is dropped) and parses them within BODY_LIMITS. */
export function parseBody(bytes: Uint8Array): BodyOutcome {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, code: 'UTF8', message: 'the body is not valid UTF-8' };
  }
  if (/^[ \t\r\n]*$/.test(text)) return { ok: false, code: 'EMPTY', message: 'the body is empty' };
  try {
    return { ok: true, value: parseBoundedJson(text, BODY_LIMITS) };
  } catch (err) {
    if (!(err instanceof JsonBodyError)) throw err;
    return {
      ok: false,
      code: err.code,
      message: err.message,
      ...(err.field === undefined ? {} : { field: err.field }),
    };
  }
}
