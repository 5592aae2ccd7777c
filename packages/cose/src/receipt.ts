import { HASH_SIZE, equalHashes, inclusionRoot, leafHash, type Hash } from '@proofline/tlog';
import { CborMap, type CborValue, type Label } from './cbor.js';
import { decodeCbor } from './cbor-decode.js';
import { encodeCbor } from './cbor-encode.js';
import { CoseError } from './errors.js';
import { HEADER_CWT_CLAIMS, HEADER_KID } from './headers.js';
import type { CosePublicKey } from './key.js';
import { decodeSign1, signSign1, verifySign1, type Sign1 } from './sign1.js';
import { ed25519CoseSigner, type CoseSigner } from './signer.js';

/** Header labels of RFC 9942 §2 (IANA COSE Header Parameters). */
export const HEADER_RECEIPTS = 394;
export const HEADER_VDS = 395;
export const HEADER_VDP = 396;
/** Verifiable data structure RFC9162_SHA256 (RFC 9942 §5.2). */
export const VDS_RFC9162_SHA256 = 1;
/** The vdp map key of inclusion proofs (RFC 9942 §5.2.1); -2 (consistency) is not accepted. */
export const VDP_INCLUSION = -1;
/** The `iss` claim inside the CWT claims header (RFC 8392 §3.1.1, RFC 9597). */
export const CWT_ISS = 1;
/** The `sub` claim inside the CWT claims header (RFC 8392 §3.1.2, RFC 9597). */
export const CWT_SUB = 2;
/**
 * Proofline's private-use header (COSE labels below -65536 are private use, RFC 9052 §3.1):
 * in a receipt's UNPROTECTED header, the bytes of the log entry the receipt proves (a
 * Proofline record), so a verifier holding only the receipt can rebuild the leaf. Unsigned,
 * and self-authenticating: the leaf hash SHA-256(0x00 ‖ entry) must reconstruct the signed
 * root with the receipt's path. Verifiers that do not know the label ignore it.
 */
export const HEADER_LOG_ENTRY = -65537;
/** Bound on an embedded entry: C2SP tlog-tiles entries are at most 65535 bytes. */
const MAX_EMBEDDED_ENTRY = 65535;

/** An RFC 9162 inclusion proof as a receipt carries it: [tree_size, leaf_index, path]. */
export interface InclusionProof {
  readonly treeSize: number;
  readonly leafIndex: number;
  readonly path: readonly Hash[];
}

/** A structurally valid vds-1 receipt, not verified: its Sign1 and its one inclusion proof. */
export interface DecodedReceipt {
  readonly sign1: Sign1;
  readonly proof: InclusionProof;
  /** The entry embedded under HEADER_LOG_ENTRY (unsigned until verified), when present. */
  readonly entry?: Uint8Array;
}

function malformed(message: string, cause?: unknown): CoseError {
  return new CoseError('MALFORMED_RECEIPT', message, cause === undefined ? undefined : { cause });
}

/**
 * Decodes the bstr-wrapped [tree_size, leaf_index, [path...]] of RFC 9942 §5.2.1: sizes and
 * indices below 2^53 with leaf_index < tree_size, 32-byte path hashes (the path's length is
 * checked against size and index when the root is reconstructed). Throws MALFORMED_RECEIPT,
 * or MALFORMED_CBOR / CBOR_LIMIT for bytes that are not CBOR.
 */
export function decodeInclusionProof(bytes: Uint8Array): InclusionProof {
  const item = decodeCbor(bytes);
  if (!Array.isArray(item) || item.length !== 3)
    throw malformed('an inclusion proof is [size, index, path]');
  const [treeSize, leafIndex, path] = item as readonly CborValue[];
  if (
    typeof treeSize !== 'number' ||
    typeof leafIndex !== 'number' ||
    treeSize < 1 ||
    leafIndex < 0
  ) {
    throw malformed('tree_size and leaf_index must be unsigned integers below 2^53, size > 0');
  }
  if (leafIndex >= treeSize) throw malformed('leaf_index must be below tree_size');
  if (!Array.isArray(path)) throw malformed('the inclusion path must be an array');
  for (const h of path as readonly CborValue[]) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
      throw malformed('path hashes are 32 bytes');
  }
  return { treeSize, leafIndex, path: path as Hash[] };
}

/**
 * Decodes an RFC 9942 receipt for the RFC9162_SHA256 structure without verifying it: a
 * COSE_Sign1 whose PROTECTED header has vds (395) = 1 (absent: MALFORMED_RECEIPT, only in the
 * unprotected header: MALFORMED_RECEIPT, another value: UNSUPPORTED_VDS), a detached (nil)
 * payload, and an unprotected vdp (396) map holding only key -1 with exactly ONE bstr-wrapped
 * inclusion proof. One proof per receipt is Proofline's profile choice: a receipt proves one
 * leaf against one root, so a verifier never has to pick among proofs. An unprotected
 * HEADER_LOG_ENTRY, when present, must be a bstr of 1..65535 bytes (MALFORMED_RECEIPT).
 */
export function decodeReceipt(bytes: Uint8Array): DecodedReceipt {
  const sign1 = decodeSign1(bytes);
  const vds = sign1.protected.get(HEADER_VDS);
  if (vds === undefined) {
    const where = sign1.unprotected.has(HEADER_VDS)
      ? ' (it is only in the unprotected header)'
      : '';
    throw malformed(`no vds in the protected header${where}`);
  }
  if (vds !== VDS_RFC9162_SHA256) {
    throw new CoseError('UNSUPPORTED_VDS', `vds ${String(vds)} is not RFC9162_SHA256 (1)`);
  }
  if (sign1.payload !== null) throw malformed('a receipt payload is detached (nil)');
  const vdp = sign1.unprotected.get(HEADER_VDP);
  if (!(vdp instanceof CborMap)) throw malformed('no vdp (396) map in the unprotected header');
  const proofs = vdp.get(VDP_INCLUSION);
  if (vdp.entries.length !== 1 || !Array.isArray(proofs)) {
    throw malformed('vdp must hold inclusion proofs (-1) and nothing else');
  }
  if (proofs.length !== 1 || !(proofs[0] instanceof Uint8Array)) {
    throw malformed(`exactly one bstr inclusion proof per receipt, got ${proofs.length}`);
  }
  const entry = sign1.unprotected.get(HEADER_LOG_ENTRY);
  if (
    entry !== undefined &&
    !(entry instanceof Uint8Array && entry.length > 0 && entry.length <= MAX_EMBEDDED_ENTRY)
  ) {
    throw malformed(`the log entry (${HEADER_LOG_ENTRY}) is a bstr of 1..65535 bytes`);
  }
  let proof: InclusionProof;
  try {
    proof = decodeInclusionProof(proofs[0]);
  } catch (cause) {
    if (cause instanceof CoseError && cause.code === 'MALFORMED_RECEIPT') throw cause;
    throw malformed('the inclusion proof is not well-formed CBOR', cause);
  }
  return entry === undefined ? { sign1, proof } : { sign1, proof, entry };
}

/**
 * The leaf a receipt is checked for: its RFC 9162 leaf hash, the entry bytes to hash, or
 * 'embedded': the entry the receipt itself carries under HEADER_LOG_ENTRY.
 */
export type ReceiptLeaf = { readonly leafHash: Hash } | { readonly entry: Uint8Array } | 'embedded';

/**
 * The RFC 9162 leaf hash of `leaf`; INVALID_ARGUMENT unless a 32-byte hash or bytes;
 * MALFORMED_RECEIPT for 'embedded' when the receipt carries no entry, or when it carries one
 * that is not the leaf it is verified for (it would misstate what the receipt proves).
 */
function receiptLeafHash(leaf: ReceiptLeaf, embedded: Uint8Array | undefined): Hash {
  if (leaf === 'embedded') {
    if (embedded === undefined) throw malformed('the receipt carries no log entry');
    return leafHash(embedded);
  }
  const hash = ownLeafHash(leaf);
  if (embedded !== undefined && !equalHashes(leafHash(embedded), hash)) {
    throw malformed('the log entry the receipt carries is not the leaf it is verified for');
  }
  return hash;
}

function ownLeafHash(leaf: Exclude<ReceiptLeaf, 'embedded'>): Hash {
  if (leaf === null || typeof leaf !== 'object') {
    throw new CoseError('INVALID_ARGUMENT', 'the leaf is a 32-byte leaf hash or entry bytes');
  }
  if ('leafHash' in leaf) {
    if (leaf.leafHash instanceof Uint8Array && leaf.leafHash.length === HASH_SIZE)
      return leaf.leafHash;
  } else if (leaf.entry instanceof Uint8Array) {
    return leafHash(leaf.entry);
  }
  throw new CoseError('INVALID_ARGUMENT', 'the leaf is a 32-byte leaf hash or entry bytes');
}

/** What a verified receipt proves (see {@link verifyReceipt} for what it does not). */
export interface VerifiedReceipt {
  /** The tree root the service signed, reconstructed from the leaf and the path. */
  readonly root: Hash;
  /** Unsigned: read from the unprotected header. */
  readonly treeSize: number;
  /** Unsigned: read from the unprotected header. */
  readonly leafIndex: number;
  /** The service key whose signature verified. */
  readonly key: CosePublicKey;
  /** The entry the receipt carries (HEADER_LOG_ENTRY), proven as its leaf; when present. */
  readonly entry?: Uint8Array;
}

/**
 * Verifies an RFC 9942 receipt (vds 1) for `leaf` with one of the service `keys`: decodes it
 * ({@link decodeReceipt}), reconstructs the root from the leaf hash (SHA-256(0x00 ‖ entry) when
 * given the entry or told to use the one the receipt embeds, RFC 9162 §2.1.1), the leaf index, tree size and path (RFC 9162 §2.1.3.2), and
 * returns only once the receipt's signature verifies over that root as the detached payload.
 *
 * tree_size and leaf_index sit in the unprotected header and are NOT signed: what is signed is
 * the root. A verifier that trusts the size or index must compare the returned root with a
 * signed checkpoint of that size (Proofline's verifier does).
 *
 * Throws MALFORMED_RECEIPT (structure, a path of the wrong length), UNSUPPORTED_VDS,
 * UNSUPPORTED_ALGORITHM, ALGORITHM_MISMATCH, UNKNOWN_CRITICAL_HEADER, MALFORMED_CBOR /
 * CBOR_LIMIT, or INVALID_RECEIPT when no key's signature covers the reconstructed root
 * (tampered path, wrong leaf, wrong key or forged signature; cause: the INVALID_SIGNATURE).
 */
export function verifyReceipt(
  receipt: Uint8Array,
  leaf: ReceiptLeaf,
  keys: readonly CosePublicKey[],
): VerifiedReceipt {
  const { sign1, proof, entry } = decodeReceipt(receipt);
  const hash = receiptLeafHash(leaf, entry);
  let root: Hash;
  try {
    root = inclusionRoot(hash, proof.leafIndex, proof.treeSize, proof.path);
  } catch (cause) {
    throw malformed('the inclusion path does not fit the tree size and leaf index', cause);
  }
  try {
    const { key } = verifySign1(sign1, keys, {
      payload: root,
      understoodCritical: [HEADER_VDS, HEADER_CWT_CLAIMS],
    });
    const verified = { root, treeSize: proof.treeSize, leafIndex: proof.leafIndex, key };
    return entry === undefined ? verified : { ...verified, entry };
  } catch (cause) {
    if (cause instanceof CoseError && cause.code === 'INVALID_SIGNATURE') {
      throw new CoseError(
        'INVALID_RECEIPT',
        'the receipt signature does not cover the root its proof reconstructs',
        { cause },
      );
    }
    throw cause;
  }
}

/** What to build a receipt from. */
export interface ReceiptContent {
  /** The service key: a signer, or a 32-byte Ed25519 seed (EdDSA, -8). */
  readonly signer: CoseSigner | Uint8Array;
  /** The service identity: kid (Proofline: the RFC 9679 thumbprint of the service key). */
  readonly kid?: Uint8Array;
  /** The service identity as the CWT `iss` claim (header 15). */
  readonly issuer?: string;
  /** The leaf hash the proof is for; the proof must reconstruct `root` from it. */
  readonly leafHash: Hash;
  readonly root: Hash;
  readonly treeSize: number;
  readonly leafIndex: number;
  readonly path: readonly Hash[];
}

/**
 * Builds and signs an RFC 9942 receipt (vds 1): protected {alg, kid?, vds: 1, 15: {1: iss}?},
 * unprotected {396: {-1: [bstr [tree_size, leaf_index, path]]}}, detached payload = root.
 * Refuses (INVALID_ARGUMENT) a proof that does not reconstruct `root` from `leafHash`: a
 * service must never sign a receipt that cannot verify.
 */
export async function buildReceipt(content: ReceiptContent): Promise<Uint8Array> {
  const signer =
    content.signer instanceof Uint8Array ? ed25519CoseSigner(content.signer) : content.signer;
  let root: Hash;
  try {
    root = inclusionRoot(content.leafHash, content.leafIndex, content.treeSize, [...content.path]);
  } catch (cause) {
    throw new CoseError('INVALID_ARGUMENT', 'the inclusion proof is not valid', { cause });
  }
  if (!(content.root instanceof Uint8Array) || !equalHashes(root, content.root)) {
    throw new CoseError('INVALID_ARGUMENT', 'the inclusion proof does not reconstruct the root');
  }
  const protectedHeader: [Label, CborValue][] = [[HEADER_VDS, VDS_RFC9162_SHA256]];
  if (content.kid !== undefined) protectedHeader.push([HEADER_KID, content.kid]);
  if (content.issuer !== undefined) {
    protectedHeader.push([HEADER_CWT_CLAIMS, new CborMap([[CWT_ISS, content.issuer]])]);
  }
  const proof = encodeCbor([content.treeSize, content.leafIndex, [...content.path]]);
  return signSign1(
    {
      protected: protectedHeader,
      unprotected: [[HEADER_VDP, new CborMap([[VDP_INCLUSION, [proof]]])]],
      payload: root,
      detached: true,
    },
    signer,
  );
}
