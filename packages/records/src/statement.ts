import { isValidKeyName } from '@proofline/note';
import { decodeBase64 } from './base64.js';
import { RecordError, pointer, type RecordErrorCode } from './errors.js';
import { arrayItems, isJsonObject, ownEntries, parseJson, type JsonObject } from './json.js';
import { textProblem } from './text.js';

/**
 * What a client submits to attest an output: a hash of the output plus metadata. A JSON
 * object with exactly these members (all others are rejected):
 *
 * - `digest` (required): `sha256:` + 64, `sha384:` + 96 or `sha512:` + 128 lowercase hex
 *   digits, the hash of the attested output.
 * - `type` (required): `^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$`, what kind of output it is
 *   (e.g. `ai.decision`).
 * - `subject`: 1..256 code points, no control characters (U+0000–U+001F, U+007F–U+009F), no
 *   lone surrogates; a reference to what the output is about.
 * - `labels`: at most 32 members; names `^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$`, values strings
 *   of 0..256 code points with the same character rules as `subject`.
 * - `commitments`: at most 32 members, names as label names, values `sha256:` + 64 lowercase
 *   hex = SHA-256(32-byte random salt || UTF-8(value)), so a value can be proven later without
 *   ever entering the log (see `commitment`).
 * - `controls`: 1..32 distinct strings `^[A-Za-z0-9][A-Za-z0-9._:()/-]{0,63}$`, the compliance
 *   controls the record is evidence for (e.g. `SOC2:PI1.4`).
 * - `issuer`: `{ "key": "<key name>+<8 lowercase hex key id>", "sig": "<base64 of a 64-byte
 *   Ed25519 signature>" }` over `issuerMessage(statement)`.
 *
 * Optional members are omitted when absent: `null` is rejected, and `undefined` (which JSON
 * cannot express) counts as absent. Parsed `labels` and `commitments` objects have a null
 * prototype, so names such as `__proto__` or `constructor` are plain data.
 */
export interface Statement {
  readonly digest: string;
  readonly type: string;
  readonly subject?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly commitments?: Readonly<Record<string, string>>;
  readonly controls?: readonly string[];
  readonly issuer?: { readonly key: string; readonly sig: string };
}

/** Bound on the UTF-8 size of a statement's JSON text (parseStatementJson). */
export const MAX_STATEMENT_SIZE = 16 * 1024;

export const MAX_MAP_ENTRIES = 32;
export const MAX_CONTROLS = 32;
export const MAX_TEXT = 256;
export const MAX_TYPE_LENGTH = 128;
/** Bound on label and commitment names and on control identifiers. */
export const MAX_NAME_LENGTH = 64;
export const COMMITMENT_LENGTH = 'sha256:'.length + 64;
/** Bound on `issuer.key`: a key name of up to 247 characters, '+' and the key id. */
const MAX_ISSUER_KEY_LENGTH = 256;
/** Base64 length of a 64-byte Ed25519 signature. */
export const SIGNATURE_BASE64_LENGTH = 88;
export const SIGNATURE_SIZE = 64;

/*
 * The grammar of statement fields, exported once for every other check of these values (the
 * server's routes and audit filters, @proofline/evidence). No `g` or `y` flag: `test` is
 * stateless, so the patterns can be shared.
 */
/** `digest`: `sha256:` + 64, `sha384:` + 96 or `sha512:` + 128 lowercase hex digits. */
export const DIGEST_PATTERN = /^(?:sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/;
const MAX_DIGEST_LENGTH = 'sha512:'.length + 128;
/** `type`: what kind of output a record is about. */
export const STATEMENT_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
/** Label and commitment names. */
export const LABEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
/** Commitment values: sha256 digests. */
export const COMMITMENT_PATTERN = /^sha256:[0-9a-f]{64}$/;
/** Control identifiers (`controls`). */
export const CONTROL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:()/-]{0,63}$/;
const KEY_ID_HEX = /^[0-9a-f]{8}$/;

/** Every statement member, in the order errors are reported and objects are built. */
export const STATEMENT_FIELDS = [
  'digest',
  'type',
  'subject',
  'labels',
  'commitments',
  'controls',
  'issuer',
] as const;
const OPTIONAL_FIELDS = STATEMENT_FIELDS.slice(2);
/** STATEMENT_FIELDS as a set (read only), and the extra members of a plain statement: none. */
const STATEMENT_NAMES: ReadonlySet<string> = new Set(STATEMENT_FIELDS);
const NO_EXTRA: ReadonlyMap<string, unknown> = new Map();

/** Whether `digest` is a valid statement digest. */
export function isDigest(digest: unknown): digest is string {
  return (
    typeof digest === 'string' && digest.length <= MAX_DIGEST_LENGTH && DIGEST_PATTERN.test(digest)
  );
}

/** Splits an issuer key "<key name>+<8 lowercase hex key id>"; undefined when malformed. */
export function splitIssuerKey(key: string): { name: string; keyId: number } | undefined {
  if (key.length > MAX_ISSUER_KEY_LENGTH) return undefined;
  const plus = key.indexOf('+');
  const name = key.slice(0, plus);
  const hex = key.slice(plus + 1);
  if (plus < 0 || !isValidKeyName(name) || !KEY_ID_HEX.test(hex)) return undefined;
  return { name, keyId: Number.parseInt(hex, 16) };
}

/** The issuer key string of (name, key id); undefined when it is not a valid issuer key. */
export function formatIssuerKey(name: string, keyId: number): string | undefined {
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff) return undefined;
  const key = `${name}+${keyId.toString(16).padStart(8, '0')}`;
  return splitIssuerKey(key) === undefined ? undefined : key;
}

/** Validation of one statement, reporting errors with one code. */
class Reader {
  constructor(readonly code: RecordErrorCode) {}

  fail(field: string, message: string): RecordError {
    return new RecordError(this.code, message, { field });
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string') throw this.fail(field, 'must be a string');
    return value;
  }

  object(value: unknown, field: string): JsonObject {
    if (!isJsonObject(value)) throw this.fail(field, 'must be a JSON object');
    return value;
  }

  matching(value: unknown, field: string, pattern: RegExp, max: number, what: string): string {
    const text = this.string(value, field);
    if (text.length > max || !pattern.test(text)) throw this.fail(field, `must be ${what}`);
    return text;
  }

  text(value: unknown, field: string, min: number): string {
    const text = this.string(value, field);
    const problem = textProblem(text, min, MAX_TEXT);
    if (problem !== undefined) throw this.fail(field, problem);
    return text;
  }

  /** A map with label-key names and values checked by `readValue`; null prototype. */
  map(
    value: unknown,
    field: string,
    readValue: (v: unknown, f: string) => string,
  ): Readonly<Record<string, string>> {
    const { entries, more } = ownEntries(
      this.object(value, field),
      MAX_MAP_ENTRIES,
      this.code,
      field,
    );
    if (more) throw this.fail(field, `more than ${MAX_MAP_ENTRIES} members`);
    const out = Object.create(null) as Record<string, string>;
    for (const [key, v] of entries) {
      const f = pointer(field, key);
      if (key.length > MAX_NAME_LENGTH || !LABEL_NAME_PATTERN.test(key)) {
        throw this.fail(f, 'member name must match ^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$');
      }
      out[key] = readValue(v, f);
    }
    return Object.freeze(out);
  }

  controls(value: unknown, field: string): readonly string[] {
    if (!Array.isArray(value)) throw this.fail(field, 'must be an array');
    if (value.length === 0) throw this.fail(field, 'must not be empty (omit it instead)');
    if (value.length > MAX_CONTROLS) throw this.fail(field, `more than ${MAX_CONTROLS} items`);
    const seen = new Set<string>();
    return Object.freeze(
      arrayItems(value, this.code, field).map((item, i) => {
        const f = pointer(field, i);
        const control = this.matching(
          item,
          f,
          CONTROL_PATTERN,
          MAX_NAME_LENGTH,
          'a control identifier',
        );
        if (seen.has(control)) throw this.fail(f, 'duplicate control');
        seen.add(control);
        return control;
      }),
    );
  }

  issuer(value: unknown, field: string): { key: string; sig: string } {
    const { entries } = ownEntries(this.object(value, field), 3, this.code, field);
    const members = new Map(entries);
    for (const name of members.keys()) {
      if (name !== 'key' && name !== 'sig') throw this.fail(pointer(field, name), 'unknown member');
    }
    const key = this.string(members.get('key'), `${field}/key`);
    if (splitIssuerKey(key) === undefined) {
      throw this.fail(`${field}/key`, 'must be "<key name>+<8 lowercase hex key id>"');
    }
    const sig = decodeBase64(
      members.get('sig'),
      SIGNATURE_BASE64_LENGTH,
      this.code,
      `${field}/sig`,
    );
    if (sig.length !== SIGNATURE_SIZE) {
      throw this.fail(`${field}/sig`, `must be the base64 of a ${SIGNATURE_SIZE}-byte signature`);
    }
    return Object.freeze({ key, sig: members.get('sig') as string });
  }
}

/**
 * Reads a statement from a JSON object, with errors coded `code`. `extra` names members the
 * caller reads itself (the record's); they are returned, all others are rejected.
 */
export function readStatement(
  value: unknown,
  code: RecordErrorCode,
  extra: readonly string[] = [],
): { statement: Statement; extra: ReadonlyMap<string, unknown> } {
  const r = new Reader(code);
  if (!isJsonObject(value)) throw new RecordError(code, 'must be a JSON object');
  const allowed =
    extra.length === 0 ? STATEMENT_NAMES : new Set<string>([...STATEMENT_FIELDS, ...extra]);
  // With one entry more than there are allowed names, any surplus includes an unknown name.
  const { entries } = ownEntries(value, allowed.size + 1, code, '');
  const members = new Map(entries);
  for (const name of members.keys()) {
    if (!allowed.has(name)) throw r.fail(pointer('', name), 'unknown member');
  }
  for (const name of OPTIONAL_FIELDS) {
    if (members.get(name) === null) throw r.fail(`/${name}`, 'must not be null (omit it instead)');
  }
  const get = (name: string): unknown => members.get(name);
  if (!members.has('digest')) throw r.fail('/digest', 'is required');
  if (!members.has('type')) throw r.fail('/type', 'is required');
  const out: Record<string, unknown> = {
    digest: r.matching(
      get('digest'),
      '/digest',
      DIGEST_PATTERN,
      MAX_DIGEST_LENGTH,
      'sha256:, sha384: or sha512: and the lowercase hex digest',
    ),
    type: r.matching(
      get('type'),
      '/type',
      STATEMENT_TYPE_PATTERN,
      MAX_TYPE_LENGTH,
      'a type matching ^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$',
    ),
  };
  if (members.has('subject')) out.subject = r.text(get('subject'), '/subject', 1);
  if (members.has('labels')) {
    out.labels = r.map(get('labels'), '/labels', (v, f) => r.text(v, f, 0));
  }
  if (members.has('commitments')) {
    out.commitments = r.map(get('commitments'), '/commitments', (v, f) =>
      r.matching(
        v,
        f,
        COMMITMENT_PATTERN,
        COMMITMENT_LENGTH,
        'sha256: and 64 lowercase hex digits',
      ),
    );
  }
  if (members.has('controls')) out.controls = r.controls(get('controls'), '/controls');
  if (members.has('issuer')) out.issuer = r.issuer(get('issuer'), '/issuer');
  const rest =
    extra.length === 0 ? NO_EXTRA : new Map([...members].filter(([n]) => extra.includes(n)));
  return { statement: Object.freeze(out) as unknown as Statement, extra: rest };
}

/** Statements returned by parseStatement: deeply frozen, so they stay valid. */
const validated = new WeakSet<Statement>();

/**
 * Validates a parsed JSON value as a statement (see Statement) and returns a deeply frozen
 * copy. Throws RecordError INVALID_STATEMENT, with `field` naming the offending member.
 */
export function parseStatement(value: unknown): Statement {
  if (validated.has(value as Statement)) return value as Statement;
  const { statement } = readStatement(value, 'INVALID_STATEMENT');
  validated.add(statement);
  return statement;
}

/**
 * Parses a statement's JSON text: at most MAX_STATEMENT_SIZE bytes of UTF-8 (checked first),
 * valid JSON, no object with a repeated member name (also after unescaping: `"a"` and
 * `"\u0061"` are the same name), then parseStatement. Throws RecordError INVALID_STATEMENT.
 */
export function parseStatementJson(text: string): Statement {
  return parseStatement(parseJson(text, MAX_STATEMENT_SIZE, 'INVALID_STATEMENT'));
}

/** The statement without its `issuer` member: what the issuer signs. */
export function unsignedStatement(statement: Statement): Statement {
  const out: Record<string, unknown> = {};
  for (const name of STATEMENT_FIELDS) {
    if (name !== 'issuer' && statement[name] !== undefined) out[name] = statement[name];
  }
  return Object.freeze(out) as unknown as Statement;
}
