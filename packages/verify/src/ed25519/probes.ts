import { hexToBytes } from '@noble/curves/utils.js';

/** A signature whose verdict a WebCrypto Ed25519 implementation must reproduce to be used. */
export interface Probe {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly valid: boolean;
}

const TEST1_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const TEST1_SIG =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
const TEST1_BAD_SIG =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100c';

/**
 * The probes: RFC 8032 §7.1 TEST 1, valid and with its last byte changed, and a signature that
 * only a cofactored verifier accepts: A = a·B has prime order, R = r·B + T with T of order 8,
 * S = r + k·a mod L. Then [8]([S]B) = [8](R + [k]A) but [S]B ≠ R + [k]A, so the platform
 * passes only if it checks the cofactorless equation, as the noble back end here does.
 */
export const PROBES: readonly Probe[] = [
  { key: TEST1_KEY, msg: '', sig: TEST1_SIG, valid: true },
  { key: TEST1_KEY, msg: '', sig: TEST1_BAD_SIG, valid: false },
  {
    key: '7a0af10c065a5460272fc20debdad61d84b205d4633f8409340b4b802317ebc2',
    msg: '70726f6f666c696e653a20636f666163746f7265642d6f6e6c792070726f6265',
    sig: '8f183050937c5c72a749e3bdcfff2559a0dcc7b4ce35ea699b02042d43e103f748bc8886d13132e400ff1a9f8790c2e75b0d8e5a2f228c09c8da8bd31c8e5603',
    valid: false,
  },
].map(({ key, msg, sig, valid }) => ({
  publicKey: hexToBytes(key),
  message: hexToBytes(msg),
  signature: hexToBytes(sig),
  valid,
}));
