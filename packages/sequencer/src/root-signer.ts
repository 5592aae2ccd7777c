import { formatVerifierKey, type Signer, type Verifier } from '@proofline/note';
import {
  ALG_EDDSA,
  CoseError,
  decodeSign1,
  ed25519Kid,
  sigStructure,
  signRootSignature,
} from '@proofline/cose';
import { nodeEd25519Verifier } from './node-signer.js';

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
 * Each signature is verified with the registered public key before it is returned (the
 * Sig_structure of the message as encoded, over `root`), so a signer holding another key (a
 * misconfigured token) fails the round (it throws) instead of storing a root signature no
 * verifier accepts. The check uses node:crypto (nodeEd25519Verifier: a lookup when this
 * process's node signer made the signature), not the pure-JS verifier, which cost
 * milliseconds of the event loop per checkpoint.
 */
export class RootSigner {
  private readonly verifier: Verifier;
  private readonly kid: Uint8Array;

  constructor(
    private readonly signer: Signer,
    publicKey: Uint8Array,
    private readonly issuer: string,
  ) {
    this.verifier = nodeEd25519Verifier(formatVerifierKey(issuer, publicKey));
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
    const sign1 = decodeSign1(bytes);
    if (!(await this.verifier.verify(sigStructure(sign1.protectedBytes, root), sign1.signature))) {
      throw new CoseError(
        'INVALID_SIGNATURE',
        'the root signature does not verify with the log key',
      );
    }
    return bytes;
  }
}
