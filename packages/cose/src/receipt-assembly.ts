import { HASH_SIZE, type Hash } from '@proofline/tlog';
import { CborMap, type CborValue, type Label } from './cbor.js';
import { encodeCbor } from './cbor-encode.js';
import { CoseError } from './errors.js';
import { HEADER_CWT_CLAIMS, HEADER_KID } from './headers.js';
import { ALG_EDDSA, coseKeyThumbprint, type CosePublicKey } from './key.js';
import {
  CWT_ISS,
  HEADER_LOG_ENTRY,
  HEADER_VDP,
  HEADER_VDS,
  VDP_INCLUSION,
  VDS_RFC9162_SHA256,
  decodeInclusionProof,
  type InclusionProof,
} from './receipt.js';
import { decodeSign1, encodeSign1, signSign1 } from './sign1.js';
import type { CoseSigner } from './signer.js';

/**
 * Receipts assembled from a stored root signature (docs/scitt.md): the log signs ONE
 * COSE_Sign1 per checkpoint over the tree root (detached payload), and a receipt for any leaf
 * of that tree is that message with an inclusion proof put in its unprotected header. The
 * protected header and the signature are the stored bytes, unchanged, so a receipt is never
 * signed per request and every receipt of a checkpoint carries the same signature.
 */

/** What a root signature is made from. */
export interface RootSignatureContent {
  /** The log key (EdDSA, -8). */
  readonly signer: CoseSigner;
  /** The log key's RFC 9679 thumbprint (kid, a bstr): see {@link ed25519Kid}. */
  readonly kid: Uint8Array;
  /** The CWT `iss` claim: the log's origin. */
  readonly issuer: string;
  /** The RFC 9162 root of the checkpoint's tree. */
  readonly root: Hash;
}

/** The OKP COSE_Key of a raw 32-byte Ed25519 public key (no kid). */
export function ed25519CoseKey(publicKey: Uint8Array): CosePublicKey {
  return { kty: 'OKP', crv: 'Ed25519', x: publicKey };
}

/** The kid Proofline gives an Ed25519 log key: the RFC 9679 thumbprint of its OKP COSE_Key. */
export function ed25519Kid(publicKey: Uint8Array): Uint8Array {
  return coseKeyThumbprint(ed25519CoseKey(publicKey));
}

/**
 * Signs the root signature of a checkpoint: COSE_Sign1 (tag 18), protected {alg: -8, kid,
 * vds (395): 1, CWT claims (15): {iss (1): issuer}}, empty unprotected header, nil payload;
 * the signature covers the Sig_structure with `root` as the detached payload. INVALID_ARGUMENT
 * unless `signer.alg` is EdDSA and `root` is 32 bytes; a signer failure propagates.
 */
export async function signRootSignature(content: RootSignatureContent): Promise<Uint8Array> {
  if (content.signer.alg !== ALG_EDDSA) {
    throw new CoseError('INVALID_ARGUMENT', 'a root signature is made with EdDSA (-8)');
  }
  if (!(content.root instanceof Uint8Array) || content.root.length !== HASH_SIZE) {
    throw new CoseError('INVALID_ARGUMENT', 'a tree root is 32 bytes');
  }
  const protectedHeader: [Label, CborValue][] = [
    [HEADER_KID, content.kid],
    [HEADER_VDS, VDS_RFC9162_SHA256],
    [HEADER_CWT_CLAIMS, new CborMap([[CWT_ISS, content.issuer]])],
  ];
  return signSign1(
    { protected: protectedHeader, payload: content.root, detached: true },
    content.signer,
  );
}

/**
 * The receipt of one leaf: `rootSignature` (a stored root signature, untrusted bytes) with
 * the unprotected header set to {vdp (396): {-1: [bstr .cbor [tree_size, leaf_index,
 * path]]}}, plus {HEADER_LOG_ENTRY: entry} when the leaf's `entry` bytes are given (so the
 * receipt alone names what it proves). The protected bytes and the signature are copied byte for byte; nothing is
 * signed or verified here (the caller, or the receipt's verifier, checks the signature over
 * the root the proof reconstructs). Throws MALFORMED_RECEIPT when the root signature has no
 * vds 1 in its protected header, an attached payload or a non-empty unprotected header, or
 * when the proof is not a well-formed inclusion proof (index below size, 32-byte hashes);
 * MALFORMED_COSE / MALFORMED_CBOR / CBOR_LIMIT for bytes that are no COSE_Sign1.
 */
export function assembleReceipt(
  rootSignature: Uint8Array,
  proof: InclusionProof,
  entry?: Uint8Array,
): Uint8Array {
  const sign1 = decodeSign1(rootSignature);
  if (sign1.protected.get(HEADER_VDS) !== VDS_RFC9162_SHA256) {
    throw new CoseError('MALFORMED_RECEIPT', 'a root signature has vds 1 in its protected header');
  }
  if (sign1.payload !== null) {
    throw new CoseError('MALFORMED_RECEIPT', 'a root signature has a detached (nil) payload');
  }
  if (sign1.unprotected.entries.length !== 0) {
    throw new CoseError('MALFORMED_RECEIPT', 'a root signature has an empty unprotected header');
  }
  const encoded = encodeCbor([proof.treeSize, proof.leafIndex, [...proof.path]]);
  decodeInclusionProof(encoded); // the same checks a verifier makes: refuse what none accepts
  const unprotected: [Label, CborValue][] = [
    [HEADER_VDP, new CborMap([[VDP_INCLUSION, [encoded]]])],
  ];
  if (entry !== undefined) {
    if (!(entry instanceof Uint8Array) || entry.length === 0 || entry.length > 65535) {
      throw new CoseError('INVALID_ARGUMENT', 'a log entry is 1..65535 bytes');
    }
    unprotected.push([HEADER_LOG_ENTRY, entry]);
  }
  return encodeSign1({
    protectedBytes: sign1.protectedBytes,
    unprotected: new CborMap(unprotected),
    payload: null,
    signature: sign1.signature,
  });
}
