import canonicalize from 'canonicalize';

/**
 * The RFC 8785 (JCS) canonical JSON of a record or statement object. Their members are only
 * strings, string arrays and objects of strings, validated beforehand (no lone surrogates),
 * so canonicalization is defined and never throws.
 */
export function canonicalJson(value: object): string {
  return canonicalize(value) as string;
}
