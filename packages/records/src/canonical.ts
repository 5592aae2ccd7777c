import canonicalize from 'canonicalize';

/**
 * The RFC 8785 (JCS) canonical JSON of a record or statement object. Their members are only
 * strings, string arrays and objects of strings, validated beforehand (no lone surrogates),
 * so canonicalization is defined and never throws.
 */
export function canonicalJson(value: object): string {
  return canonicalize(value) as string;
}

/**
 * canonicalJson of a record (or statement) object whose members are exactly those of
 * RecordV1 / Statement, validated beforehand: the same text, written directly for the fixed
 * schema instead of by a generic canonicaliser (the record's hot path). RFC 8785 sorts names
 * by UTF-16 code units (what Array.prototype.sort does to strings) and writes strings as
 * ECMAScript JSON.stringify does; the top-level names of a record sort as in MEMBER_ORDER.
 * Label and commitment names are sorted here rather than left to object order, which would
 * put integer-like names ("10", "9") first. Tests compare it with canonicalJson.
 */
export function canonicalRecordJson(
  value: Readonly<Partial<Record<(typeof MEMBER_ORDER)[number], unknown>>>,
): string {
  let out = '';
  for (const name of MEMBER_ORDER) {
    const v = value[name];
    if (v === undefined) continue;
    out += `${out === '' ? '{' : ','}"${name}":`;
    if (typeof v === 'string') out += JSON.stringify(v);
    else if (Array.isArray(v)) out += `[${v.map((s) => JSON.stringify(s)).join(',')}]`;
    else out += sortedStrings(v as Readonly<Record<string, string>>);
  }
  return out === '' ? '{}' : `${out}}`;
}

/** The names of RecordV1 (a Statement's plus schema, tenant, time) in RFC 8785 order. */
const MEMBER_ORDER = [
  'commitments',
  'controls',
  'digest',
  'issuer',
  'labels',
  'schema',
  'subject',
  'tenant',
  'time',
  'type',
] as const;

/** The canonical JSON of an object whose members are strings. */
function sortedStrings(map: Readonly<Record<string, string>>): string {
  const names = Object.keys(map).sort();
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    out += `${i === 0 ? '' : ','}${JSON.stringify(name)}:${JSON.stringify(map[name])}`;
  }
  return `${out}}`;
}
