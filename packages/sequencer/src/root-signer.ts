import type { Signer } from '@proofline/note';
import {
  ALG_EDDSA,
  ed25519CoseKey,
  ed25519Kid,
  signRootSignature,
  verifySign1,
  HEADER_CWT_CLAIMS,
  HEADER_VDS,
  type CosePublicKey,
} from '@proofline/cose';

/**
 * Makes a checkpoint's root signature (docs/scitt.md): a COSE_Sign1 by the log key, protected
 * {alg: -8 (EdDSA), kid: the RFC 9679 thumbprint of the key as an OKP COSE_Key, vds (395): 1,
 * CWT claims (15): {iss (1): the log's origin}}, empty unprotected header, detached payload:
 * the tree root. It is made once, when the publisher signs the checkpoint, and stored with it;
 * every receipt of a record under that checkpoint reuses its protected bytes and signature.
 *
 * The note signer signs raw bytes with Ed25519 (file key or PKCS#11 token), here the COSE
 * Sig_structure. That message is the CBOR array ["Signature1", ...] and so starts with 0x84,
 * while a signed-note text (checkpoint, receipt, handover) starts with its origin line, a
 * printable key name: no message signed one way can be read as one signed the other way.
 *
 * Each signature is verified with the registered public key before it is returned, so a
 * signer holding another key (a misconfigured token) fails the round (it throws) instead of
 * storing a root signature no verifier accepts.
 */
export class RootSigner {
  private readonly key: CosePublicKey;
  private readonly kid: Uint8Array;

  constructor(
    private readonly signer: Signer,
    publicKey: Uint8Array,
    private readonly issuer: string,
  ) {
    this.key = ed25519CoseKey(publicKey);
    this.kid = ed25519Kid(publicKey);
  }

  /** The root signature over `root` (32 bytes). Throws if the signer fails or signs wrongly. */
  async sign(root: Uint8Array): Promise<Uint8Array> {
    const bytes = await signRootSignature({
      signer: { alg: ALG_EDDSA, sign: (tbs) => this.signer.sign(tbs) },
      kid: this.kid,
      issuer: this.issuer,
      root,
    });
    verifySign1(bytes, [this.key], {
      payload: root,
      understoodCritical: [HEADER_VDS, HEADER_CWT_CLAIMS],
    });
    return bytes;
  }
}
