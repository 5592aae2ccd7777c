import type { CheckName, CheckStatus } from '@proofline/verify';

/** What each check is called on the page and what it proves, in one plain line. */
export const CHECKS: Readonly<Record<CheckName, { title: string; proves: string }>> = {
  bundle: {
    title: 'Proof bundle',
    proves: 'The proof file is complete and well-formed.',
  },
  record: {
    title: 'Record',
    proves: 'The entry is a well-formed Proofline record of this log.',
  },
  content: {
    title: 'Original content',
    proves: 'A file you provide is exactly the output this record attests.',
  },
  issuer: {
    title: 'Issuer signature',
    proves: 'The party that produced the output signed the record’s contents.',
  },
  receipt: {
    title: 'Receipt signature',
    proves: 'The log signed a promise to keep exactly this entry at this position.',
  },
  inclusion: {
    title: 'Inclusion proof',
    proves: 'The entry is in the log’s signed tree at this position, unaltered.',
  },
  checkpoint: {
    title: 'Checkpoint signature',
    proves: 'The log’s published state is signed with the log key shown below.',
  },
  witnesses: {
    title: 'Witness cosignatures',
    proves: 'Independent witnesses confirm they saw the same state of the log.',
  },
  timestamp: {
    title: 'Trusted timestamp',
    proves: 'A time-stamping authority you trust saw this state of the log by the time it signed.',
  },
  latest: {
    title: 'Latest checkpoint',
    proves:
      'The log’s latest signed state still contains the checkpoint that first included the record.',
  },
  consistency: {
    title: 'Consistency',
    proves: 'The log only grew since a state you trusted before: nothing was rewritten.',
  },
  statement: {
    title: 'Issuer signature (SCITT)',
    proves: 'An issuer key you trust signed this statement.',
  },
  receipts: {
    title: 'Receipts',
    proves: 'At least one receipt by a log key you trust proves the statement is registered.',
  },
  cose: {
    title: 'COSE receipt',
    proves: 'The receipt is a well-formed RFC 9942 receipt of a Merkle tree.',
  },
  service: {
    title: 'Log signature',
    proves: 'The log key signed the tree root that the receipt’s proof leads to from this entry.',
  },
  registration: {
    title: 'Registration',
    proves: 'The proven record is the registration of exactly this signed statement.',
  },
};

export const STATUS_LABEL: Readonly<Record<CheckStatus, string>> = {
  passed: 'Passed',
  failed: 'Failed',
  'not-applicable': 'Not applicable',
};

/** Evidence names, spelled for people. */
const EVIDENCE_LABELS: Readonly<Record<string, string>> = {
  leafHash: 'Leaf hash',
  entrySize: 'Entry size (bytes)',
  tenant: 'Tenant',
  time: 'Time',
  digest: 'Digest',
  type: 'Type',
  bundleOrigin: 'Origin in the bundle',
  expectedOrigin: 'Expected origin',
  logKey: 'Log key',
  origin: 'Origin',
  index: 'Index',
  expectedIndex: 'Expected index',
  expectedLeafHash: 'Expected leaf hash',
  expectedTime: 'Expected time',
  treeSize: 'Tree size',
  rootHash: 'Root hash',
  proofLength: 'Proof hashes',
  Checkpoint: 'Checkpoint',
  Size: 'Tree size',
  RootHash: 'Root hash',
  serviceKid: 'Log key id (kid)',
  root: 'Signed root',
  leafIndex: 'Leaf index (unsigned)',
  receiptRoot: 'Receipt root',
  issuerKey: 'Issuer key',
  issuer: 'Issuer (iss)',
  subject: 'Subject (sub)',
  recordDigest: 'Record digest',
};

export function evidenceLabel(name: string): string {
  return (
    EVIDENCE_LABELS[name] ??
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/^./, (c) => c.toUpperCase())
      .replace(/ ([A-Z])(?=[a-z])/g, (_m, c: string) => ` ${c.toLowerCase()}`)
  );
}
