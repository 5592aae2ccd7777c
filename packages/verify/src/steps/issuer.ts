import { verifyIssuer, type RecordV1, type Statement } from '@proofline/records';
import { failed, notApplicable, passed } from '../checks.js';
import { VerificationError } from '../errors.js';
import type { ResolvedPolicy } from '../policy.js';
import type { Check } from '../types.js';

/** Record members that the log adds and the issuer does not sign. */
const LOG_MEMBERS = new Set(['schema', 'tenant', 'time']);

/** The statement the issuer signed: the record without the members the log added. */
function statementOf(record: RecordV1): Statement {
  const members = Object.entries(record).filter(([name]) => !LOG_MEMBERS.has(name));
  return Object.fromEntries(members) as unknown as Statement;
}

/**
 * Step 4: the record's `issuer.sig` is a valid signature (records verifyIssuer) of its
 * statement by the trusted issuer key that `issuer.key` names, so that party produced the
 * statement. A signature by a key the policy does not list proves nothing: it is 'failed'
 * when the policy requires an issuer signature and 'not-applicable' otherwise, as is a
 * record without issuer. An invalid signature by a listed key always fails.
 */
export async function issuerStep(record: RecordV1, policy: ResolvedPolicy): Promise<Check> {
  const { issuer } = record;
  const required = policy.requireIssuer;
  if (issuer === undefined) {
    if (!required) {
      return notApplicable('issuer', 'The record has no issuer signature, and none is required.');
    }
    return failed(
      new VerificationError('ISSUER_MISSING', 'issuer', 'the record has no issuer signature'),
    );
  }
  const evidence = { issuerKey: issuer.key };
  // parseRecord checked the form "<key name>+<8 lowercase hex key id>"; names have no '+'.
  const plus = issuer.key.indexOf('+');
  const name = issuer.key.slice(0, plus);
  const keyId = Number.parseInt(issuer.key.slice(plus + 1), 16);
  const verifier = policy.issuers.find((v) => v.name === name && v.keyId === keyId);
  if (verifier === undefined) {
    const message = `the issuer key ${issuer.key} is not among the trusted issuer keys`;
    if (!required) return notApplicable('issuer', `Not checked: ${message}.`, evidence);
    return failed(new VerificationError('ISSUER_UNTRUSTED', 'issuer', message, { evidence }));
  }
  if (!(await verifyIssuer(statementOf(record), [verifier]))) {
    return failed(
      new VerificationError(
        'ISSUER_SIGNATURE_INVALID',
        'issuer',
        `the issuer signature by ${issuer.key} does not verify`,
        { evidence },
      ),
    );
  }
  return passed('issuer', `The statement is signed by the trusted issuer ${issuer.key}.`, evidence);
}
