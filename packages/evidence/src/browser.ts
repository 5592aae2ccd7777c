/**
 * @proofline/evidence/browser: the browser-safe part of the package, for the offline verifier
 * page (page/, built into every evidence package as verify.html). The same checks as
 * `verifyEvidence`, over files the caller provides (see verifyPackage); no Node built-ins,
 * no Buffer, no ZIP or PDF code.
 */
export { catalogueFrom, type Catalogue } from './control-view.js';
export { fail, pass, warn, type Item, type ItemStatus } from './check.js';
export { isSafeName } from './names.js';
export { FILES, type Manifest } from './package.js';
export type { SampleRow } from './report.js';
export { issuerKeysFromPem } from './statements.js';
export {
  PACKAGE_LIMITS,
  verifyPackage,
  type EvidenceVerification,
  type PackageFiles,
  type Sha256,
  type VerifyEnvironment,
  type VerifyPackageOptions,
} from './verify-package.js';
