import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProoflineClient, ProoflineError, UntrustedResponseError } from '@proofline/client';
import {
  bundleToTlogProof,
  formatBundle,
  formatTlogProof,
  parseRecordId,
  type Bundle,
} from '@proofline/records';
import { EXIT } from '../exit-codes.js';

export interface ProofOptions {
  readonly id: string;
  readonly url: string;
  readonly logKey: string;
  /** For a record of a private log: an API key of its tenant (records:read). */
  readonly apiKey?: string;
  /** Seconds to wait for a checkpoint to cover the record; 0: ask once. */
  readonly waitSeconds: number;
  readonly out: string;
}

/**
 * `proofline proof ID`: fetches the record's proof bundle (`GET /v1/records/{id}/proof`,
 * public), polling while no checkpoint covers it (up to `waitSeconds`, honouring
 * Retry-After), verifies it with the log key, and saves `<id>.bundle.json` and
 * `<id>.tlog-proof` in `out`. Nothing is saved unless it verified. Exit 0 verified and
 * saved, 3 not yet provable (no checkpoint covers the record yet), 1 failed.
 */
export async function proofCommand(o: ProofOptions): Promise<number> {
  parseRecordId(o.id);
  const client = new ProoflineClient({
    url: o.url,
    trust: { logKey: o.logKey },
    ...(o.apiKey === undefined ? {} : { apiKey: o.apiKey }),
  });
  try {
    const { bundle, verification } = await client.waitForProof(o.id, {
      timeoutMs: o.waitSeconds * 1000,
    });
    mkdirSync(o.out, { recursive: true });
    const file = saveBundle(o.out, bundle);
    process.stdout.write(
      `VERIFIED record ${verification.index} of ${verification.checkpoint?.origin}: ${file}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ProoflineError && err.code === 'not-yet-checkpointed') {
      process.stderr.write(
        `${o.id}: logged, not yet provable: no checkpoint covers it yet` +
          `${o.waitSeconds > 0 ? ` (waited ${o.waitSeconds} s)` : ''}; try again later, or with --wait\n`,
      );
      return EXIT.notYetProvable;
    }
    if (err instanceof UntrustedResponseError) {
      process.stderr.write(`proofline: NOT VERIFIED: ${err.message}\n`);
      return EXIT.failed;
    }
    throw err;
  }
}

/** Saves a verified bundle as `<id>.bundle.json` and `<id>.tlog-proof`; returns the first. */
export function saveBundle(dir: string, bundle: Bundle): string {
  const stem = join(dir, bundle.id);
  writeFileSync(`${stem}.bundle.json`, formatBundle(bundle));
  writeFileSync(`${stem}.tlog-proof`, formatTlogProof(bundleToTlogProof(bundle)));
  return `${stem}.bundle.json`;
}
