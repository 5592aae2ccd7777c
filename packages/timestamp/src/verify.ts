/**
 * Verification of RFC 3161 TimeStampResp / TimeStampToken (RFC 5652 SignedData over a
 * TSTInfo, RFC 2634 / RFC 5035 ESS signing-certificate attributes). Browser-safe: WebCrypto
 * through pkijs's engine and globalThis.crypto.
 */
import * as asn1js from 'asn1js';
import {
  Certificate,
  ContentInfo,
  IssuerAndSerialNumber,
  RelativeDistinguishedNames,
  SignedData,
  TSTInfo,
  TimeStampResp,
  getCrypto,
  type Attribute,
  type SignerInfo,
} from 'pkijs';
import {
  HASH_ALGORITHMS,
  HASH_LENGTHS,
  OID_CONTENT_TYPE,
  OID_MESSAGE_DIGEST,
  OID_SIGNED_DATA,
  OID_SIGNING_CERTIFICATE,
  OID_SIGNING_CERTIFICATE_V2,
  OID_TST_INFO,
  bytesEqual,
  digest,
  fromSchema,
  hasNullOrAbsentParams,
  hashAlgorithmByOid,
  integerToBigint,
  isOid,
  parseAsn1,
  type HashAlgorithm,
} from './asn1.js';
import {
  WEAK_SIGNATURE_ALGORITHMS,
  buildPath,
  checkTsaCertificate,
  encodeCertificate,
  parseCertificate,
  subjectName,
  type ParsedCertificate,
} from './certs.js';
import { TimestampError } from './errors.js';
import { normalizeNonce } from './request.js';

/** The largest TimeStampToken accepted, in bytes (checked before parsing). */
export const MAX_TOKEN_SIZE = 64 * 1024;
/** The largest TimeStampResp accepted, in bytes: a token plus room for status text. */
export const MAX_RESPONSE_SIZE = MAX_TOKEN_SIZE + 8 * 1024;
/** The most certificates a token may carry. */
export const MAX_TOKEN_CERTIFICATES = 16;
/** How far genTime may be ahead of the verifier's clock by default. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface VerifyTokenOptions {
  /** The timestamped data: the token's message imprint must equal its hash. */
  readonly data: Uint8Array;
  /** DER certificates trusted as roots (trust anchors) for TSA certificates. */
  readonly trustedRoots: readonly Uint8Array[];
  /** When given, the token's nonce must equal it. */
  readonly nonce?: bigint | Uint8Array;
  /** Extra DER certificates (intermediates, or the TSA certificate if the token has none). */
  readonly certificates?: readonly Uint8Array[];
  /** Hash algorithms allowed for the message imprint. Default SHA-256, SHA-384, SHA-512. */
  readonly allowedHashAlgorithms?: readonly HashAlgorithm[];
  /** When given, the token's TSA policy OID must equal it. */
  readonly policy?: string;
  /** The verifier's clock; genTime may not be later than now + maxClockSkewMs. */
  readonly now?: Date;
  /** Default DEFAULT_CLOCK_SKEW_MS. */
  readonly maxClockSkewMs?: number;
}

export type VerifyResponseOptions = VerifyTokenOptions;

/** The accuracy of genTime (RFC 3161 Accuracy), in milliseconds, rounded up. */
export interface VerifiedTimestamp {
  /** When the TSA says it produced the token. */
  readonly genTime: Date;
  /**
   * genTime plus the token's accuracy: the data existed no later than this instant. Equal to
   * genTime when the token states no accuracy.
   */
  readonly latestTime: Date;
  /** The stated accuracy in milliseconds (rounded up), or undefined when none is stated. */
  readonly accuracyMs: number | undefined;
  readonly serialNumber: bigint;
  /** The TSA policy OID under which the token was issued. */
  readonly policy: string;
  readonly hashAlgorithm: HashAlgorithm;
  readonly nonce: bigint | undefined;
  /** The TSA (signer) certificate, DER. */
  readonly tsaCertificate: Uint8Array;
  /** The TSA certificate's subject, e.g. "C=DE, O=Example, CN=Example TSA". */
  readonly tsaSubject: string;
  /** The certification path found, DER, TSA certificate first and trusted root last. */
  readonly chain: readonly Uint8Array[];
  /** The TimeStampToken (a DER ContentInfo): what to store next to the timestamped data. */
  readonly token: Uint8Array;
}

function malformed(message: string, cause?: unknown): TimestampError {
  return new TimestampError('MALFORMED', message, cause === undefined ? undefined : { cause });
}

/**
 * Verifies a TimeStampResp (RFC 3161 §2.4.2) as returned by a TSA: its status must be
 * granted (or grantedWithMods) and its token must pass verifyToken. Throws TimestampError.
 */
export async function verifyResponse(
  responseDer: Uint8Array,
  options: VerifyResponseOptions,
): Promise<VerifiedTimestamp> {
  return malformedOnSurprise(() => checkResponse(responseDer, options));
}

async function checkResponse(
  responseDer: Uint8Array,
  options: VerifyResponseOptions,
): Promise<VerifiedTimestamp> {
  const schema = parseAsn1(responseDer, 'TimeStampResp', MAX_RESPONSE_SIZE);
  const response = fromSchema((s) => new TimeStampResp({ schema: s }), schema, 'TimeStampResp');
  const status = response.status.status;
  if (status !== 0 && status !== 1) {
    const text = (response.status.statusStrings ?? [])
      .map((s) => s.valueBlock.value)
      .join('; ')
      .slice(0, 200);
    const failInfo = response.status.failInfo
      ? ` failInfo=${Array.from(response.status.failInfo.valueBlock.valueHexView, (b) => b.toString(16).padStart(2, '0')).join('')}`
      : '';
    throw new TimestampError(
      'NOT_GRANTED',
      `TSA refused the request: status ${status}${text ? ` (${text})` : ''}${failInfo}`,
    );
  }
  // The token's exact bytes, not a re-encoding: it is what callers store and re-verify.
  const elements = (schema as asn1js.Sequence).valueBlock.value;
  const tokenNode = elements[1];
  if (!response.timeStampToken || !tokenNode || elements.length !== 2) {
    throw malformed('granted TimeStampResp carries no timeStampToken');
  }
  return verifyToken(new Uint8Array(tokenNode.valueBeforeDecodeView), options);
}

/** A token's structure, parsed and bounded but not verified. */
interface TokenStructure {
  readonly signedData: SignedData;
  readonly eContent: Uint8Array;
  readonly tstInfo: TSTInfo;
  readonly genTime: Date;
}

/**
 * Parses a TimeStampToken's structure (ContentInfo, SignedData, TSTInfo version 1, a valid
 * genTime, no critical extension) without checking any signature. Throws TimestampError.
 */
function parseTokenStructure(tokenDer: Uint8Array): TokenStructure {
  const schema = parseAsn1(tokenDer, 'TimeStampToken', MAX_TOKEN_SIZE);
  const contentInfo = fromSchema((s) => new ContentInfo({ schema: s }), schema, 'ContentInfo');
  if (contentInfo.contentType !== OID_SIGNED_DATA) {
    throw malformed('TimeStampToken is not CMS SignedData');
  }
  const signedData = fromSchema(
    (s) => new SignedData({ schema: s }),
    contentInfo.content as asn1js.AsnType,
    'SignedData',
  );
  const encap = signedData.encapContentInfo;
  if (encap.eContentType !== OID_TST_INFO) {
    throw malformed(`SignedData content type ${encap.eContentType} is not id-ct-TSTInfo`);
  }
  if (!(encap.eContent instanceof asn1js.OctetString)) {
    throw malformed('SignedData carries no encapsulated TSTInfo');
  }
  const eContent = octets(encap.eContent);
  const tstInfo = fromSchema(
    (s) => new TSTInfo({ schema: s }),
    parseAsn1(eContent, 'TSTInfo', MAX_TOKEN_SIZE),
    'TSTInfo',
  );
  if (tstInfo.version !== 1) throw malformed(`TSTInfo version ${tstInfo.version} is not 1`);
  const genTime = tstInfo.genTime;
  if (!(genTime instanceof Date) || Number.isNaN(genTime.getTime())) {
    throw malformed('TSTInfo genTime is not a valid time');
  }
  for (const ext of tstInfo.extensions ?? []) {
    if (ext.critical) throw malformed(`TSTInfo has unsupported critical extension ${ext.extnID}`);
  }
  return { signedData, eContent, tstInfo, genTime };
}

/**
 * What a TimeStampToken states, parsed but NOT verified (no signature, certificate or imprint
 * check): for display only, e.g. listing the tokens a document carries. Use verifyToken to
 * rely on a token. Throws TimestampError MALFORMED.
 */
export function readTokenTime(tokenDer: Uint8Array): {
  readonly genTime: Date;
  readonly accuracyMs: number | undefined;
} {
  const { tstInfo, genTime } = parseTokenStructure(tokenDer);
  return { genTime, accuracyMs: accuracyOf(tstInfo) };
}

/**
 * Verifies a TimeStampToken (a CMS ContentInfo holding SignedData over a TSTInfo), in this
 * order: structure and bounds; the CMS signature (messageDigest and contentType signed
 * attributes, the signature by the signer certificate); the ESS signing-certificate(-v2)
 * attribute; the TSA certificate's EKU; a certification path to a trusted root valid at
 * genTime; the TSA policy (if required); the message imprint against `data`; the nonce
 * (if given); genTime against the verifier's clock. Throws TimestampError.
 */
export async function verifyToken(
  tokenDer: Uint8Array,
  options: VerifyTokenOptions,
): Promise<VerifiedTimestamp> {
  return malformedOnSurprise(() => checkToken(tokenDer, options));
}

async function checkToken(
  tokenDer: Uint8Array,
  options: VerifyTokenOptions,
): Promise<VerifiedTimestamp> {
  const opts = checkOptions(options);
  const anchors = options.trustedRoots.map((der, i) =>
    parseCertificate(der, `trustedRoots[${i}]`, 'INVALID_ARGUMENT'),
  );
  const extra = (options.certificates ?? []).map((der, i) =>
    parseCertificate(der, `certificates[${i}]`, 'INVALID_ARGUMENT'),
  );

  const { signedData, eContent, tstInfo, genTime } = parseTokenStructure(tokenDer);
  if (signedData.signerInfos.length !== 1) {
    throw malformed(`SignedData has ${signedData.signerInfos.length} signers, not exactly 1`);
  }
  const signerInfo = signedData.signerInfos[0]!;
  const tokenCerts: ParsedCertificate[] = [];
  for (const item of signedData.certificates ?? []) {
    if (!(item instanceof Certificate)) continue; // attribute / other certificate formats
    if (tokenCerts.length >= MAX_TOKEN_CERTIFICATES) {
      throw malformed(`TimeStampToken carries more than ${MAX_TOKEN_CERTIFICATES} certificates`);
    }
    tokenCerts.push({ cert: item, der: encodeCertificate(item) });
  }

  // --- CMS signature -------------------------------------------------------------------------
  const signer = await findSigner(signerInfo, [...tokenCerts, ...extra, ...anchors]);
  await verifySignature(signerInfo, signer, eContent);

  // --- ESS signing certificate, EKU, path ----------------------------------------------------
  await checkSigningCertificate(signerInfo, signer);
  checkTsaName(tstInfo, signer.cert);
  checkTsaCertificate(signer.cert);
  const path = await buildPath(signer, [...tokenCerts, ...extra], anchors, genTime);

  // --- Content -------------------------------------------------------------------------------
  if (opts.policy !== undefined && tstInfo.policy !== opts.policy) {
    throw new TimestampError(
      'POLICY_MISMATCH',
      `token policy ${tstInfo.policy} is not the required ${opts.policy}`,
    );
  }
  const imprint = tstInfo.messageImprint;
  const hashAlgorithm = hashAlgorithmByOid(imprint.hashAlgorithm.algorithmId);
  if (
    !hashAlgorithm ||
    !opts.allowed.includes(hashAlgorithm) ||
    !hasNullOrAbsentParams(imprint.hashAlgorithm.algorithmParams)
  ) {
    throw new TimestampError(
      'HASH_ALGORITHM_NOT_ALLOWED',
      `message imprint hash algorithm ${imprint.hashAlgorithm.algorithmId} is not allowed`,
    );
  }
  const hashedMessage = new Uint8Array(imprint.hashedMessage.valueBlock.valueHexView);
  if (hashedMessage.length !== HASH_LENGTHS[hashAlgorithm]) {
    throw malformed('message imprint has the wrong length for its hash algorithm');
  }
  if (!bytesEqual(hashedMessage, await digest(hashAlgorithm, options.data))) {
    throw new TimestampError(
      'MESSAGE_IMPRINT_MISMATCH',
      'the token timestamps other data (message imprint mismatch)',
    );
  }
  const tokenNonce = tstInfo.nonce ? integerToBigint(tstInfo.nonce) : undefined;
  if (opts.nonce !== undefined && tokenNonce !== opts.nonce) {
    throw new TimestampError(
      'NONCE_MISMATCH',
      tokenNonce === undefined ? 'the token carries no nonce' : 'the token nonce does not match',
    );
  }
  if (genTime.getTime() > opts.now.getTime() + opts.skew) {
    throw new TimestampError(
      'BAD_TIME',
      `genTime ${genTime.toISOString()} is in the future of ${opts.now.toISOString()}`,
    );
  }

  const accuracyMs = accuracyOf(tstInfo);
  return {
    genTime,
    latestTime: new Date(genTime.getTime() + (accuracyMs ?? 0)),
    accuracyMs,
    serialNumber: integerToBigint(tstInfo.serialNumber),
    policy: tstInfo.policy,
    hashAlgorithm,
    nonce: tokenNonce,
    tsaCertificate: signer.der,
    tsaSubject: subjectName(signer.cert),
    chain: path.map((p) => p.der),
    token: new Uint8Array(tokenDer),
  };
}

interface CheckedOptions {
  readonly allowed: readonly HashAlgorithm[];
  readonly nonce: bigint | undefined;
  readonly policy: string | undefined;
  readonly now: Date;
  readonly skew: number;
}

function checkOptions(options: VerifyTokenOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TimestampError('INVALID_ARGUMENT', 'options are required');
  }
  if (!(options.data instanceof Uint8Array)) {
    throw new TimestampError('INVALID_ARGUMENT', 'data must be a Uint8Array');
  }
  if (!Array.isArray(options.trustedRoots) || options.trustedRoots.length === 0) {
    throw new TimestampError('INVALID_ARGUMENT', 'trustedRoots must list at least one root');
  }
  if (options.certificates !== undefined && !Array.isArray(options.certificates)) {
    throw new TimestampError('INVALID_ARGUMENT', 'certificates must be an array');
  }
  const allowed = options.allowedHashAlgorithms ?? HASH_ALGORITHMS;
  if (!Array.isArray(allowed) || allowed.some((h) => !HASH_ALGORITHMS.includes(h))) {
    throw new TimestampError('INVALID_ARGUMENT', 'allowedHashAlgorithms has an unknown entry');
  }
  if (options.policy !== undefined && !isOid(options.policy)) {
    throw new TimestampError('INVALID_ARGUMENT', 'policy must be a dotted OID');
  }
  const now = options.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TimestampError('INVALID_ARGUMENT', 'now must be a valid Date');
  }
  const skew = options.maxClockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  if (!Number.isFinite(skew) || skew < 0) {
    throw new TimestampError('INVALID_ARGUMENT', 'maxClockSkewMs must be a non-negative number');
  }
  return {
    allowed,
    nonce: options.nonce === undefined ? undefined : normalizeNonce(options.nonce),
    policy: options.policy,
    now,
    skew,
  };
}

/** The content octets of a (possibly constructed) OCTET STRING. */
function octets(value: asn1js.OctetString): Uint8Array {
  if (!value.idBlock.isConstructed) return new Uint8Array(value.valueBlock.valueHexView);
  const parts: Uint8Array[] = [];
  for (const part of value.valueBlock.value) {
    if (!(part instanceof asn1js.OctetString)) throw malformed('bad constructed OCTET STRING');
    parts.push(octets(part));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function attributes(signerInfo: SignerInfo, type: string): Attribute[] {
  return (signerInfo.signedAttrs?.attributes ?? []).filter((a) => a.type === type);
}

/** The single value of a signed attribute that must occur exactly once, or undefined. */
function singleAttribute(signerInfo: SignerInfo, type: string): unknown {
  const found = attributes(signerInfo, type);
  if (found.length > 1 || (found[0] && found[0].values.length !== 1)) {
    throw malformed(`signed attribute ${type} must occur once with one value`);
  }
  return found[0]?.values[0];
}

async function findSigner(
  signerInfo: SignerInfo,
  certs: readonly ParsedCertificate[],
): Promise<ParsedCertificate> {
  const sid: unknown = signerInfo.sid;
  if (sid instanceof IssuerAndSerialNumber) {
    const serial = integerToBigint(sid.serialNumber);
    const found = certs.find(
      (c) => c.cert.issuer.isEqual(sid.issuer) && integerToBigint(c.cert.serialNumber) === serial,
    );
    if (found) return found;
  } else if (sid instanceof asn1js.Constructed || sid instanceof asn1js.Primitive) {
    // subjectKeyIdentifier [0]: match the certificate's SKI extension, or SHA-1 of its key.
    const node = sid.idBlock.isConstructed
      ? (sid as asn1js.Constructed).valueBlock.value[0]
      : (sid as asn1js.Primitive);
    const keyId =
      node instanceof asn1js.BaseBlock
        ? new Uint8Array((node.valueBlock as { valueHexView?: Uint8Array }).valueHexView ?? [])
        : new Uint8Array();
    for (const c of certs) {
      const ski = c.cert.extensions?.find((e) => e.extnID === '2.5.29.14');
      const skiValue = ski ? asn1js.fromBER(ski.extnValue.valueBlock.valueHexView).result : null;
      if (skiValue instanceof asn1js.OctetString) {
        if (bytesEqual(new Uint8Array(skiValue.valueBlock.valueHexView), keyId)) return c;
      }
      const keyHash = await digest(
        'SHA-1',
        c.cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView,
      );
      if (bytesEqual(keyHash, keyId)) return c;
    }
  }
  throw new TimestampError(
    'UNTRUSTED_TSA',
    'the signer certificate is neither in the token nor among the given certificates',
  );
}

async function verifySignature(
  signerInfo: SignerInfo,
  signer: ParsedCertificate,
  eContent: Uint8Array,
): Promise<void> {
  const signedAttrs = signerInfo.signedAttrs;
  if (!signedAttrs || signedAttrs.attributes.length === 0) {
    throw malformed('SignerInfo has no signed attributes (RFC 3161 requires them)');
  }
  const digestAlgorithm = hashAlgorithmByOid(signerInfo.digestAlgorithm.algorithmId);
  if (!digestAlgorithm) {
    throw new TimestampError(
      'HASH_ALGORITHM_NOT_ALLOWED',
      `signer digest algorithm ${signerInfo.digestAlgorithm.algorithmId} is not allowed`,
    );
  }
  if (WEAK_SIGNATURE_ALGORITHMS.has(signerInfo.signatureAlgorithm.algorithmId)) {
    throw new TimestampError(
      'HASH_ALGORITHM_NOT_ALLOWED',
      `signature algorithm ${signerInfo.signatureAlgorithm.algorithmId} is not allowed`,
    );
  }
  const contentType = singleAttribute(signerInfo, OID_CONTENT_TYPE);
  if (
    !(contentType instanceof asn1js.ObjectIdentifier) ||
    contentType.valueBlock.toString() !== OID_TST_INFO
  ) {
    throw new TimestampError('BAD_SIGNATURE', 'signed contentType attribute is not id-ct-TSTInfo');
  }
  const messageDigest = singleAttribute(signerInfo, OID_MESSAGE_DIGEST);
  if (!(messageDigest instanceof asn1js.OctetString)) {
    throw new TimestampError('BAD_SIGNATURE', 'signed messageDigest attribute is missing');
  }
  const expected = await digest(digestAlgorithm, eContent);
  if (!bytesEqual(new Uint8Array(messageDigest.valueBlock.valueHexView), expected)) {
    throw new TimestampError('BAD_SIGNATURE', 'messageDigest does not match the TSTInfo');
  }
  let ok = false;
  try {
    ok = await getCrypto(true).verifyWithPublicKey(
      signedAttrs.encodedValue,
      signerInfo.signature,
      signer.cert.subjectPublicKeyInfo,
      signerInfo.signatureAlgorithm,
      signerInfo.signatureAlgorithm.algorithmId === '1.2.840.113549.1.1.1'
        ? digestAlgorithm
        : undefined,
    );
  } catch (cause) {
    throw new TimestampError('BAD_SIGNATURE', 'the token signature could not be verified', {
      cause,
    });
  }
  if (!ok) throw new TimestampError('BAD_SIGNATURE', 'the token signature is invalid');
}

/** Sequence children, or undefined if `node` is not a SEQUENCE. */
function children(node: unknown): asn1js.AsnType[] | undefined {
  return node instanceof asn1js.Sequence ? (node.valueBlock.value as asn1js.AsnType[]) : undefined;
}

/**
 * RFC 2634 §5.4 / RFC 5035 §3: the first ESSCertID(v2) of every signing-certificate
 * attribute present must identify the signer certificate (hash, and issuer/serial if given).
 */
async function checkSigningCertificate(
  signerInfo: SignerInfo,
  signer: ParsedCertificate,
): Promise<void> {
  const bad = (message: string) => new TimestampError('BAD_SIGNING_CERTIFICATE', message);
  const v1 = singleAttribute(signerInfo, OID_SIGNING_CERTIFICATE);
  const v2 = singleAttribute(signerInfo, OID_SIGNING_CERTIFICATE_V2);
  if (v1 === undefined && v2 === undefined) {
    throw bad('the token has no ESS signing-certificate attribute');
  }
  for (const [value, version] of [
    [v1, 1],
    [v2, 2],
  ] as const) {
    if (value === undefined) continue;
    const certs = children(children(value)?.[0]);
    const first = children(certs?.[0]);
    if (!first) throw bad(`malformed signing-certificate (v${version}) attribute`);
    let index = 0;
    let hashAlgorithm: HashAlgorithm | 'SHA-1' = version === 1 ? 'SHA-1' : 'SHA-256';
    if (version === 2 && first[0] instanceof asn1js.Sequence) {
      const alg = children(first[0])!;
      const oid = alg[0] instanceof asn1js.ObjectIdentifier ? alg[0].valueBlock.toString() : '';
      const named = hashAlgorithmByOid(oid);
      if (!named) throw bad(`ESSCertIDv2 hash algorithm ${oid} is not allowed`);
      hashAlgorithm = named;
      index = 1;
    }
    const certHash = first[index];
    if (!(certHash instanceof asn1js.OctetString)) throw bad('ESSCertID has no certHash');
    const actual = await digest(hashAlgorithm, signer.der);
    if (!bytesEqual(new Uint8Array(certHash.valueBlock.valueHexView), actual)) {
      throw bad(`ESS signing-certificate (v${version}) does not match the signer certificate`);
    }
    const issuerSerial = first[index + 1];
    if (issuerSerial !== undefined) checkIssuerSerial(issuerSerial, signer.cert, bad);
  }
}

function checkIssuerSerial(
  node: asn1js.AsnType,
  cert: Certificate,
  bad: (message: string) => TimestampError,
): void {
  const parts = children(node);
  const names = children(parts?.[0]);
  const serial = parts?.[1];
  if (!names || !(serial instanceof asn1js.Integer)) throw bad('malformed ESS IssuerSerial');
  if (integerToBigint(serial) !== integerToBigint(cert.serialNumber)) {
    throw bad('ESS IssuerSerial serial number does not match the signer certificate');
  }
  // GeneralNames: at least one directoryName [4] must equal the certificate's issuer.
  const matches = names.some((name) => {
    if (name.idBlock.tagClass !== 3 || name.idBlock.tagNumber !== 4) return false;
    const inner = (name as asn1js.Constructed).valueBlock.value?.[0];
    if (!inner) return false;
    try {
      return new RelativeDistinguishedNames({ schema: inner }).isEqual(cert.issuer);
    } catch {
      return false;
    }
  });
  if (!matches) throw bad('ESS IssuerSerial issuer does not match the signer certificate');
}

/** RFC 3161 §2.4.2: a tsa name, if present, must be one of the signer certificate's names. */
function checkTsaName(tstInfo: TSTInfo, cert: Certificate): void {
  const tsa = tstInfo.tsa;
  if (!tsa || tsa.type !== 4) return; // only directoryName is compared
  const name: unknown = tsa.value;
  if (!(name instanceof RelativeDistinguishedNames) || !name.isEqual(cert.subject)) {
    throw new TimestampError(
      'BAD_SIGNING_CERTIFICATE',
      'TSTInfo tsa name is not the signer certificate subject',
    );
  }
}

function accuracyOf(tstInfo: TSTInfo): number | undefined {
  const accuracy = tstInfo.accuracy;
  if (!accuracy) return undefined;
  const seconds = accuracy.seconds ?? 0;
  const millis = accuracy.millis ?? 0;
  const micros = accuracy.micros ?? 0;
  if (seconds < 0 || millis < 0 || millis > 999 || micros < 0 || micros > 999) {
    throw malformed('TSTInfo accuracy is out of range');
  }
  return seconds * 1000 + millis + Math.ceil(micros / 1000);
}

/**
 * The ASN.1 and CMS libraries can fail on hostile input in ways of their own (a TypeError deep
 * in a parser); whatever is not already a TimestampError is reported as MALFORMED, so callers
 * only ever see the typed error.
 */
async function malformedOnSurprise<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof TimestampError) throw err;
    throw new TimestampError('MALFORMED', `unreadable timestamp: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
