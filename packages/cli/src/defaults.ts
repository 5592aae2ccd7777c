/** The log (and its tenant) that `proofline serve` creates and commands use by default. */
export const DEFAULT_LOG = 'default';
export const DEFAULT_TENANT = 'default';
