import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ProoflineClient, prepareStatement } from '@proofline/client';
import { digestFile } from '@proofline/client/node';
import { bundleToTlogProof, formatBundle, formatTlogProof } from '@proofline/records';
import { ed25519Signer, parseSignerKey } from '@proofline/note';

export interface AttestOptions {
  readonly files: readonly string[];
  readonly url: string;
  readonly apiKey: string;
  readonly logKey: string;
  readonly log?: string;
  readonly type: string;
  readonly subject?: string;
  readonly labels: Record<string, string>;
  readonly privateLabels: Record<string, string>;
  readonly controls: readonly string[];
  /** Issuer signer key file (PRIVATE+KEY+…). */
  readonly issuerKey?: string;
  readonly wait: boolean;
  readonly out?: string;
}

/**
 * `proofline attest`: hashes each file locally (it is never uploaded), commits private
 * labels with fresh salts, attests all files in one all-or-nothing batch, verifies every
 * receipt with the log key, and prints one line per file. With --out, writes each receipt,
 * the salts of private labels, and (with --wait) the bundle and .tlog-proof.
 */
export async function attest(o: AttestOptions): Promise<number> {
  const client = new ProoflineClient({
    url: o.url,
    apiKey: o.apiKey,
    trust: { logKey: o.logKey },
    ...(o.log ? { log: o.log } : {}),
  });
  const issuer = o.issuerKey
    ? (() => {
        const key = parseSignerKey(readFileSync(o.issuerKey, 'utf8').trim());
        return ed25519Signer(key.name, key.seed);
      })()
    : undefined;
  const prepared = await Promise.all(
    o.files.map(async (file) =>
      prepareStatement({
        digest: await digestFile(file),
        type: o.type,
        ...(o.subject ? { subject: o.subject } : {}),
        ...(Object.keys(o.labels).length ? { labels: o.labels } : {}),
        ...(Object.keys(o.privateLabels).length ? { privateLabels: o.privateLabels } : {}),
        ...(o.controls.length ? { controls: o.controls } : {}),
        ...(issuer ? { issuer } : {}),
      }),
    ),
  );
  const receipts = await client.attestBatch(prepared.map((p) => p.statement));
  if (o.out) mkdirSync(o.out, { recursive: true });
  for (const [i, receipt] of receipts.entries()) {
    process.stdout.write(
      `${o.files[i]}\t${receipt.id}\t${receipt.record.digest}\t${receipt.verificationUrl}\n`,
    );
    if (!o.out) continue;
    const stem = join(o.out, receipt.id);
    writeFileSync(
      `${stem}.receipt.json`,
      `${JSON.stringify({ ...receipt, entry: undefined, verification: undefined, file: basename(o.files[i]!) }, null, 2)}\n`,
    );
    if (Object.keys(prepared[i]!.salts).length) {
      writeFileSync(
        `${stem}.salts.json`,
        `${JSON.stringify({ values: o.privateLabels, salts: prepared[i]!.salts }, null, 2)}\n`,
        { mode: 0o600 },
      );
    }
  }
  if (o.wait) {
    for (const receipt of receipts) {
      const { bundle } = await waitForBundle(client, receipt.id);
      if (o.out) {
        const stem = join(o.out, receipt.id);
        writeFileSync(`${stem}.bundle.json`, formatBundle(bundle));
        writeFileSync(`${stem}.tlog-proof`, formatTlogProof(bundleToTlogProof(bundle)));
      }
      process.stderr.write(
        `${receipt.id}: proof bundle verified (checkpoint ${bundle.checkpoint.split('\n')[1]})\n`,
      );
    }
  }
  return 0;
}

async function waitForBundle(client: ProoflineClient, id: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.bundle(id);
    } catch (err) {
      if (attempt >= 50 || (err as { code?: string }).code !== 'not-yet-checkpointed') throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
