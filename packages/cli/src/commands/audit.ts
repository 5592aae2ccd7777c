import { readFileSync, writeFileSync } from 'node:fs';
import { audit } from '../audit/auditor.js';
import { Progress } from '../progress.js';
import { base64Encode } from '@proofline/note';

export interface AuditCommandOptions {
  readonly url: string;
  readonly logKey: string;
  readonly apiKey?: string;
  readonly since?: string;
  readonly save?: string;
  readonly state?: string;
  readonly records: boolean;
  readonly json: boolean;
}

/**
 * `proofline audit`: exit 0 when the whole log verifies, 1 with every problem named otherwise.
 * Erased entries (zero bytes) pass only when an erasure record accounts for each; they are
 * counted and listed.
 */
export async function auditCommand(o: AuditCommandOptions): Promise<number> {
  const progress = new Progress('auditing');
  const started = Date.now();
  const result = await audit({
    url: o.url,
    logKey: o.logKey,
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(o.since ? { since: readFileSync(o.since, 'utf8') } : {}),
    ...(o.state ? { stateFile: o.state } : {}),
    checkRecords: o.records,
    onProgress: (done, total) => progress.update(done, total),
  });
  progress.done();
  const seconds = (Date.now() - started) / 1000;
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({
        ok: result.ok,
        size: result.checkpoint?.size,
        entriesVerified: result.entriesVerified,
        entriesHashed: result.entriesHashed,
        consistentWith: result.consistentWith,
        erased: result.erased ?? [],
        pendingErasures: result.pendingErasures ?? [],
        problems: result.problems,
        seconds,
      })}\n`,
    );
  } else if (result.ok) {
    const cp = result.checkpoint!;
    process.stdout.write(
      `PASS checkpoint ${cp.origin} size ${cp.size} root ${base64Encode(cp.rootHash)}\n` +
        `PASS ${result.entriesVerified} entries verified (${result.entriesHashed} downloaded and re-hashed in ` +
        `${seconds.toFixed(1)} s${o.records ? ', every entry a valid record' : ''}); every tile and the root match\n` +
        (result.consistentWith === undefined
          ? ''
          : `PASS consistent with the trusted checkpoint of size ${result.consistentWith}\n`),
    );
    const erased = result.erased ?? [];
    if (erased.length > 0) {
      process.stdout.write(
        `PASS ${erased.length} erased entr${erased.length === 1 ? 'y' : 'ies'}, each accounted for by an erasure record whose leaf hash the tree holds:\n`,
      );
      for (const e of erased) {
        process.stdout.write(
          `     entry ${e.index} erased by entry ${e.erasure.at} at ${e.erasure.time} (key ${e.erasure.key}): ${e.erasure.reason}\n`,
        );
      }
    }
    for (const c of result.pendingErasures ?? []) {
      process.stdout.write(
        `NOTE entry ${c.at} records the erasure of entry ${c.index}, whose bytes are still served: repeat \`proofline erase\` to complete it\n`,
      );
    }
  } else {
    for (const p of result.problems) process.stdout.write(`FAIL ${p}\n`);
  }
  if (result.ok && o.save && result.checkpointNote) writeFileSync(o.save, result.checkpointNote);
  return result.ok ? 0 : 1;
}
