export {
  ProoflineClient,
  type ClientOptions,
  type VerifiedBundle,
  type VerifiedReceipt,
} from './client.js';
export { ProoflineError, UntrustedResponseError } from './errors.js';
export {
  prepareStatement,
  type DigestAlgorithm,
  type PreparedStatement,
  type StatementInput,
} from './statement.js';
