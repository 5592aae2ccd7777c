/**
 * X.509 helpers for TSA certificates: parsing, the RFC 3161 §2.3 EKU rule, and a small,
 * bounded certification-path builder (RFC 5280 subset, no revocation). Browser-safe.
 */
import * as asn1js from 'asn1js';
import { BasicConstraints, Certificate, ExtKeyUsage, type Extension } from 'pkijs';
import {
  OID_BASIC_CONSTRAINTS,
  OID_EXT_KEY_USAGE,
  OID_KEY_USAGE,
  OID_KP_TIME_STAMPING,
  bytesEqual,
  fromSchema,
  parseAsn1,
  toBytes,
} from './asn1.js';
import { TimestampError, type TimestampErrorCode } from './errors.js';

/** The largest certificate accepted, in bytes. */
export const MAX_CERTIFICATE_SIZE = 16 * 1024;

/** The longest certification path tried (signer, intermediates, anchor). */
export const MAX_PATH_LENGTH = 8;

/** A parsed certificate together with its DER encoding. */
export interface ParsedCertificate {
  readonly cert: Certificate;
  readonly der: Uint8Array;
}

/** Extensions this verifier understands; a certificate with any other critical one is refused. */
const KNOWN_CRITICAL_EXTENSIONS = new Set([
  OID_KEY_USAGE,
  OID_BASIC_CONSTRAINTS,
  OID_EXT_KEY_USAGE,
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.17', // subjectAltName
  '2.5.29.32', // certificatePolicies (not processed: no policy constraints are enforced)
]);

/** Signature algorithms refused anywhere in a path or token (MD5 / SHA-1 based). */
export const WEAK_SIGNATURE_ALGORITHMS = new Set([
  '1.2.840.113549.1.1.4', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5', // sha1WithRSAEncryption
  '1.2.840.10045.4.1', // ecdsa-with-SHA1
  '1.2.840.10040.4.3', // dsa-with-sha1
]);

export function parseCertificate(
  der: Uint8Array,
  what: string,
  code: TimestampErrorCode,
): ParsedCertificate {
  const schema = parseAsn1(der, what, MAX_CERTIFICATE_SIZE, code);
  const cert = fromSchema((s) => new Certificate({ schema: s }), schema, what, code);
  return { cert, der: encodeCertificate(cert) };
}

/** The DER of a certificate parsed by pkijs (its original TBS bytes are kept). */
export function encodeCertificate(cert: Certificate): Uint8Array {
  return toBytes(cert.toSchema(false).toBER(false));
}

function extensionsOf(cert: Certificate): Map<string, Extension> | undefined {
  const map = new Map<string, Extension>();
  for (const ext of cert.extensions ?? []) {
    if (map.has(ext.extnID)) return undefined; // RFC 5280 §4.2: at most one instance each
    map.set(ext.extnID, ext);
  }
  return map;
}

function extensionValue(ext: Extension): asn1js.AsnType | undefined {
  const bytes = ext.extnValue.valueBlock.valueHexView;
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1 || parsed.offset !== bytes.length) return undefined;
  return parsed.result;
}

/** keyUsage bits as a number (bit 0 = digitalSignature = 0x80 of the first octet). */
function keyUsageBits(ext: Extension): number | undefined {
  const value = extensionValue(ext);
  if (!(value instanceof asn1js.BitString)) return undefined;
  const bytes = value.valueBlock.valueHexView;
  return ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
}
const KU_DIGITAL_SIGNATURE = 0x8000;
const KU_NON_REPUDIATION = 0x4000;
const KU_KEY_CERT_SIGN = 0x0400;

function basicConstraints(ext: Extension): BasicConstraints | undefined {
  const value = extensionValue(ext);
  if (!value) return undefined;
  try {
    return new BasicConstraints({ schema: value });
  } catch {
    return undefined;
  }
}

function pathLen(bc: BasicConstraints): number | undefined {
  const p = bc.pathLenConstraint;
  if (p === undefined) return undefined;
  if (typeof p === 'number') return p;
  return p.valueBlock.valueDec;
}

/**
 * RFC 3161 §2.3: the TSA certificate MUST contain exactly one instance of the extended key
 * usage extension, marked critical, with id-kp-timeStamping as its only KeyPurposeId; and
 * a keyUsage extension, when present, must allow digitalSignature or nonRepudiation.
 */
export function checkTsaCertificate(cert: Certificate): void {
  const exts = extensionsOf(cert);
  if (!exts) throw new TimestampError('BAD_EKU', 'TSA certificate repeats an extension');
  const eku = exts.get(OID_EXT_KEY_USAGE);
  if (!eku) throw new TimestampError('BAD_EKU', 'TSA certificate has no extendedKeyUsage');
  if (!eku.critical) {
    throw new TimestampError('BAD_EKU', 'TSA certificate extendedKeyUsage is not critical');
  }
  const value = extensionValue(eku);
  let purposes: string[] | undefined;
  try {
    purposes = value ? new ExtKeyUsage({ schema: value }).keyPurposes : undefined;
  } catch {
    purposes = undefined;
  }
  if (!purposes || purposes.length !== 1 || purposes[0] !== OID_KP_TIME_STAMPING) {
    throw new TimestampError(
      'BAD_EKU',
      'TSA certificate extendedKeyUsage must be exactly id-kp-timeStamping',
    );
  }
  const ku = exts.get(OID_KEY_USAGE);
  if (ku) {
    const bits = keyUsageBits(ku);
    if (bits === undefined || (bits & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) === 0) {
      throw new TimestampError('BAD_KEY_USAGE', 'TSA certificate keyUsage does not allow signing');
    }
  }
}

function validAt(cert: Certificate, time: Date): boolean {
  const t = time.getTime();
  return cert.notBefore.value.getTime() <= t && t <= cert.notAfter.value.getTime();
}

function hasOnlyKnownCriticalExtensions(cert: Certificate): boolean {
  const exts = extensionsOf(cert);
  if (!exts) return false;
  for (const ext of exts.values()) {
    if (ext.critical && !KNOWN_CRITICAL_EXTENSIONS.has(ext.extnID)) return false;
  }
  return true;
}

/**
 * Whether `issuer` may issue a certificate with `below` CA certificates between it and the
 * end entity: basicConstraints cA, keyUsage keyCertSign when present, pathLenConstraint.
 * A trust anchor that is an X.509 v1 certificate (no extensions) is accepted as a CA.
 */
function mayIssue(issuer: Certificate, below: number, anchor: boolean): boolean {
  const exts = extensionsOf(issuer);
  if (!exts) return false;
  const bcExt = exts.get(OID_BASIC_CONSTRAINTS);
  if (!bcExt) return anchor && (issuer.version < 2 || exts.size === 0);
  const bc = basicConstraints(bcExt);
  if (!bc || !bc.cA) return false;
  const limit = pathLen(bc);
  if (limit !== undefined && below > limit) return false;
  const ku = exts.get(OID_KEY_USAGE);
  if (ku) {
    const bits = keyUsageBits(ku);
    if (bits === undefined || (bits & KU_KEY_CERT_SIGN) === 0) return false;
  }
  return true;
}

async function signedBy(cert: Certificate, issuer: Certificate): Promise<boolean> {
  if (WEAK_SIGNATURE_ALGORITHMS.has(cert.signatureAlgorithm.algorithmId)) return false;
  try {
    return await cert.verify(issuer);
  } catch {
    return false;
  }
}

/**
 * Finds a certification path from `leaf` to one of `anchors`, using `pool` (the token's
 * certificates and any extra intermediates) and the anchors themselves, with every
 * certificate valid at `time`. Returns the path (leaf first, anchor last) or throws
 * UNTRUSTED_TSA. A leaf that is itself a trusted anchor is trusted directly.
 */
export async function buildPath(
  leaf: ParsedCertificate,
  pool: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
  time: Date,
): Promise<ParsedCertificate[]> {
  const isAnchor = (c: ParsedCertificate) => anchors.some((a) => bytesEqual(a.der, c.der));
  const candidates = [...anchors, ...pool.filter((c) => !isAnchor(c))];
  let budget = 64; // signature verifications, to bound the search on hostile inputs
  let reason = 'no certification path to a trusted root';

  const extend = async (path: ParsedCertificate[]): Promise<ParsedCertificate[] | undefined> => {
    const current = path[path.length - 1]!;
    if (!validAt(current.cert, time)) {
      reason = 'a certificate in the path is not valid at genTime';
      return undefined;
    }
    if (!hasOnlyKnownCriticalExtensions(current.cert)) {
      reason = 'a certificate in the path has an unsupported critical extension';
      return undefined;
    }
    if (isAnchor(current)) return path;
    if (path.length >= MAX_PATH_LENGTH) return undefined;
    for (const candidate of candidates) {
      if (path.some((p) => bytesEqual(p.der, candidate.der))) continue;
      if (!candidate.cert.subject.isEqual(current.cert.issuer)) continue;
      if (!mayIssue(candidate.cert, path.length - 1, isAnchor(candidate))) continue;
      if (budget-- <= 0) return undefined;
      if (!(await signedBy(current.cert, candidate.cert))) continue;
      const found = await extend([...path, candidate]);
      if (found) return found;
    }
    return undefined;
  };

  const path = await extend([leaf]);
  if (!path) throw new TimestampError('UNTRUSTED_TSA', `TSA certificate: ${reason}`);
  return path;
}

const NAME_ATTRIBUTES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** A readable one-line form of a certificate's subject, e.g. "C=DE, O=Example, CN=TSA". */
export function subjectName(cert: Certificate): string {
  return cert.subject.typesAndValues
    .map((tv) => {
      const key = NAME_ATTRIBUTES[tv.type] ?? tv.type;
      const raw: unknown = (tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
      return `${key}=${typeof raw === 'string' ? raw : '#'}`;
    })
    .join(', ');
}
