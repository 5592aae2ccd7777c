import { ProoflineError, ShareClient } from '@proofline/client';
import { EXIT } from '../exit-codes.js';

export interface ShareOptions {
  readonly id: string;
  readonly url: string;
  readonly apiKey: string;
  readonly action:
    | { readonly kind: 'create'; readonly expiresInSeconds?: number }
    | { readonly kind: 'list' }
    | { readonly kind: 'revoke'; readonly linkId: string }
    | { readonly kind: 'revoke-all' };
}

/**
 * `proofline share ID`: makes a share link of a record of a private log and prints its URL
 * (stdout, the only place the token ever appears), lists the record's links (tab-separated:
 * id, status, created, expires, revoked), or revokes one or all of them. A server's refusal
 * is printed with its problem code and exits 1.
 */
export async function shareCommand(o: ShareOptions): Promise<number> {
  const client = new ShareClient({ url: o.url, apiKey: o.apiKey });
  try {
    switch (o.action.kind) {
      case 'create': {
        const link = await client.create(o.id, o.action.expiresInSeconds);
        process.stdout.write(`${link.url}\n`);
        process.stderr.write(
          `share link ${link.id} of record ${o.id}` +
            `${link.expiresAt === undefined ? ', until revoked' : `, until ${link.expiresAt}`}. ` +
            'Whoever has this URL can see the record; revoke it with ' +
            `proofline share ${o.id} --revoke ${link.id}\n`,
        );
        return EXIT.ok;
      }
      case 'list':
        for (const l of await client.list(o.id)) {
          process.stdout.write(
            `${l.id}\t${l.status}\t${l.createdAt}\t${l.expiresAt ?? '-'}\t${l.revokedAt ?? '-'}\n`,
          );
        }
        return EXIT.ok;
      case 'revoke': {
        const n = await client.revoke(o.action.linkId);
        process.stdout.write(
          n === 1
            ? `revoked share link ${o.action.linkId}\n`
            : `share link ${o.action.linkId} was already revoked\n`,
        );
        return EXIT.ok;
      }
      case 'revoke-all':
        process.stdout.write(`revoked ${await client.revokeAll(o.id)} share link(s) of ${o.id}\n`);
        return EXIT.ok;
    }
  } catch (err) {
    if (!(err instanceof ProoflineError)) throw err;
    process.stderr.write(`proofline: ${err.message} (${err.code})\n`);
    return EXIT.failed;
  }
}
