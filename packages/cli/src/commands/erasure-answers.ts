/**
 * The server's answers to erasure requests, read as untrusted input: within a byte bound
 * (readBounded), parsed strictly (parseJson) and checked member by member, so that a server
 * that answers too much or the wrong shape gets a one-line error instead of a crash, and
 * nothing is printed as erased that the answer does not say.
 */
import { readBounded } from '@proofline/client';
import { parseJson } from '@proofline/records';

/**
 * The most bytes read of an answer: a bulk answer lists at most 1000 ids (~60 KB); one
 * erasure answer is an entry, a receipt and its proof (a few KB).
 */
export const MAX_ERASURE_ANSWER_BYTES = 1024 * 1024;

/** An answer that is not what the server should send; its message says what is wrong. */
export class ErasureAnswerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(`the server's answer ${message}`, options);
    this.name = 'ErasureAnswerError';
  }
}

/** POST /v1/records/{id}/erasure (server erasure-routes.ts). */
export interface ErasureAnswer {
  readonly id: string;
  readonly leafHash: string;
  readonly erasedNow: boolean;
  readonly erasure: {
    readonly id: string;
    readonly index: number;
    readonly entry: string;
    /** Absent when the server stored none: the answer then does not verify. */
    readonly receipt?: string;
    readonly receiptProof?: readonly string[];
  };
}

/** POST /v1/logs/{name}/erasures. */
export interface BulkErasureAnswer {
  readonly ids: readonly string[];
  readonly more: boolean;
}

/** A response body as text within MAX_ERASURE_ANSWER_BYTES, then as strict JSON. */
export async function readErasureJson(res: Response): Promise<unknown> {
  let text: string;
  try {
    text = await readBounded(res, MAX_ERASURE_ANSWER_BYTES);
  } catch (cause) {
    throw new ErasureAnswerError(`cannot be read: ${(cause as Error).message}`, { cause });
  }
  try {
    return parseJson(text, MAX_ERASURE_ANSWER_BYTES, 'INVALID_ARGUMENT');
  } catch (cause) {
    throw new ErasureAnswerError(`is not JSON: ${(cause as Error).message}`, { cause });
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function member<T>(o: Json, name: string, check: (v: unknown) => v is T, what: string): T {
  const value = o[name];
  if (!check(value)) throw new ErasureAnswerError(`has no ${what} ${JSON.stringify(name)}`);
  return value;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** The answer to one erasure, or ErasureAnswerError naming the first member that is wrong. */
export function checkErasureAnswer(value: unknown): ErasureAnswer {
  if (!isObject(value)) throw new ErasureAnswerError('is not a JSON object');
  const erasure = member(value, 'erasure', isObject, 'object');
  const { receipt, receiptProof } = erasure;
  if (receipt !== undefined && !isString(receipt)) {
    throw new ErasureAnswerError('has no string "receipt"');
  }
  if (receiptProof !== undefined && !isStrings(receiptProof)) {
    throw new ErasureAnswerError('has no string array "receiptProof"');
  }
  return {
    id: member(value, 'id', isString, 'string'),
    leafHash: member(value, 'leafHash', isString, 'string'),
    erasedNow: member(value, 'erasedNow', isBoolean, 'boolean'),
    erasure: {
      id: member(erasure, 'id', isString, 'string'),
      index: member(erasure, 'index', isIndex, 'index'),
      entry: member(erasure, 'entry', isString, 'string'),
      ...(receipt === undefined ? {} : { receipt }),
      ...(receiptProof === undefined ? {} : { receiptProof }),
    },
  };
}

/** The answer to a bulk erasure, or ErasureAnswerError. */
export function checkBulkErasureAnswer(value: unknown): BulkErasureAnswer {
  if (!isObject(value)) throw new ErasureAnswerError('is not a JSON object');
  return {
    ids: member(value, 'ids', isStrings, 'string array'),
    more: member(value, 'more', isBoolean, 'boolean'),
  };
}
