/**
 * Exit codes of the commands that write or verify records (`attest`, `proof`, `verify`),
 * as documented in the usage text and the README. Scripts branch on them: only `failed`
 * after `attest` means that retrying cannot duplicate a record.
 */
export const EXIT = {
  /** Everything verified (with `attest --wait`: the proof bundles too). */
  ok: 0,
  /** Failed; `attest`: nothing was written (or the server refused the write). */
  failed: 1,
  /** Bad usage. */
  usage: 2,
  /** Logged, not yet provable: the receipt verified, but no checkpoint covers the record yet. */
  notYetProvable: 3,
  /** `attest`: the records were written, but what the log returned did not verify. */
  writtenUnverified: 4,
} as const;
