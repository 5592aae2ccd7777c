import { parseCheckpoint, parseNote } from '@proofline/note';
import type { Verification } from '@proofline/verify';
import { fail, pass, warn, type Item } from './check.js';
import type { PopulationProof } from './population.js';
import { witnessesOf, type EvidenceTrust } from './trust.js';

/**
 * The package-wide witness and timestamp items, for the trust anchors in `trust` (none without
 * them: the verdict then says they were not checked):
 *
 * - `witnesses`: each checkpoint of the proof (start, end, latest) carries valid cosignatures
 *   of at least `quorum` of the trusted witnesses. The bundles' own `witnesses` checks cover
 *   their anchors (the first checkpoint that covered each sampled record).
 * - `timestamp`: every bundle's RFC 3161 check passed with the trusted roots (the tokens are
 *   over its anchor: each sampled record existed no later than its anchor's token time).
 *   Without `requireTimestamp`, a package with a bundle without a verifying token is a warning.
 */
export async function trustItems(
  trust: EvidenceTrust,
  proof: PopulationProof,
  bundles: readonly Verification[],
): Promise<Item[]> {
  const items: Item[] = [];
  if (trust.witnesses) {
    const { keys, quorum } = trust.witnesses;
    const refs = [
      ['start', proof.startCheckpoint],
      ['end', proof.endCheckpoint],
      ['latest', proof.latestCheckpoint],
    ] as const;
    const problems: string[] = [];
    const seen: string[] = [];
    for (const [which, ref] of refs) {
      if (!ref) continue;
      let size = '?';
      let result;
      try {
        size = String(parseCheckpoint(parseNote(ref.note).text).size);
        result = await witnessesOf(ref.note, keys);
      } catch (err) {
        problems.push(`${which} checkpoint: ${(err as Error).message}`);
        continue;
      }
      const { cosigned, missing } = result;
      if (cosigned.length < quorum) {
        problems.push(
          `${which} checkpoint (size ${size}): cosigned by ${cosigned.length} of your ${keys.length} witnesses, fewer than the quorum of ${quorum} (no valid cosignature by ${missing.join(', ')})`,
        );
      }
      seen.push(`${which} (size ${size}): ${cosigned.join(', ') || 'none'}`);
    }
    items.push(
      problems.length === 0
        ? pass(
            'witnesses',
            `every checkpoint of the package is cosigned by at least ${quorum} of your ${keys.length} witnesses: ${seen.join('; ')}`,
          )
        : fail('witnesses', problems.join('; ')),
    );
  }
  if (trust.timestampAuthorities) {
    const roots = trust.timestampAuthorities.roots.length;
    const stamped = bundles.filter((v) =>
      v.checks.some((c) => c.name === 'timestamp' && c.status === 'passed'),
    );
    const tokens = new Set(
      stamped.flatMap((v) =>
        Object.entries(v.checks.find((c) => c.name === 'timestamp')!.evidence)
          .filter(([k, value]) => k.startsWith('token ') && value.startsWith('verified: '))
          .map(([k, value]) => `${k.replace(/^token \d+ /, '')} ${value.slice(10)}`),
      ),
    );
    const what = `${roots} TSA root${roots > 1 ? 's' : ''} you trust`;
    if (bundles.length > 0 && stamped.length === bundles.length) {
      items.push(
        pass(
          'timestamp',
          `the anchor of every sampled record (the first checkpoint that covered it), and so the record, was timestamped no later than: ${[...tokens].join('; ')} (verified with the ${what}; each record's own bound is its bundle's)`,
        ),
      );
    } else {
      const detail =
        bundles.length === 0
          ? 'no bundle in the package: nothing carries a timestamp of a checkpoint'
          : `${bundles.length - stamped.length} of ${bundles.length} bundles carry no RFC 3161 timestamp of their anchor that verifies with the ${what}: no trusted time for those records`;
      items.push(trust.requireTimestamp ? fail('timestamp', detail) : warn('timestamp', detail));
    }
  }
  return items;
}
