/**
 * A server with the web pages and realistic records, for the browser tests (test/web.test.ts)
 * and the screenshots in docs/ (scripts/screenshots.mjs): two logs in a temporary SQLite
 * store, the default one with RECORDS records and one entry altered behind the log's back.
 * The default log is witnessed: its checkpoint is cosigned by two witness keys made here
 * (with @proofline/witness's cosigner) and its description publishes them with quorum 2.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { formatVerifierKey, generateSignerKey, parseNote, parseSignerKey } from '@proofline/note';
import { buildRecord, parseRecord, type Statement, receiptFormat } from '@proofline/records';
import {
  Publisher,
  Sequencer,
  ReceiptSealer,
  nodeEd25519Signer,
  type CheckpointWitnesses,
} from '@proofline/sequencer';
import { SqliteStorage } from '@proofline/storage-sqlite';
import { DEFAULT_WEB_ROOT, buildApp, recordGroup, type LogRuntime } from '@proofline/server';
import { cosigner, generateCosignerKey, parseCosignerKey, type Cosigner } from '@proofline/witness';
import { LocalTsa } from '@proofline/timestamp/testing';

/** Debian's Chromium (scripts/test-deps.sh installs it). Never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
/** Records in the default log. */
export const RECORDS = 40;
/** The index of the default log's entry that is altered in the database. */
export const TAMPERED = 7;

/** The original output that record i of the default log attests. */
export function content(i: number): Buffer {
  const decision = {
    case: `case-2026-${1400 + i}`,
    decision: i % 3 ? 'approved' : 'referred',
    score: 0.5 + i / 100,
  };
  return Buffer.from(`${JSON.stringify(decision, null, 2)}\n`);
}

export function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function statement(i: number): Statement {
  return {
    digest: sha256(content(i)),
    type: i % 5 === 4 ? 'data.export' : 'ai.decision',
    subject: `case-2026-${1400 + i}`,
    labels: { model: 'credit-risk-v3', env: 'prod' },
    controls: ['SOC2:PI1.4', 'EU-AI-Act:Art.12'],
  };
}

/** A witness of the default log, as made by the fixture. */
export interface FixtureWitness {
  readonly name: string;
  /** Its cosignature verifier key (type 0x04). */
  readonly vkey: string;
  /** The timestamp of its cosignature, POSIX seconds. */
  readonly time: number;
}

export interface WebFixture {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /**
   * Verifier keys by log name: 'default', 'staging', and 'stamped' (one record; its
   * checkpoint carries an RFC 3161 token of a local TSA whose root the log publishes).
   */
  readonly keys: ReadonlyMap<string, string>;
  /** The two witnesses that cosigned the default log's checkpoint (the second one earlier). */
  readonly witnesses: readonly FixtureWitness[];
  close(): Promise<void>;
}

/** A new witness key for `name`. */
export function makeCosigner(name: string): Cosigner {
  return cosigner(parseCosignerKey(generateCosignerKey(name)));
}

/**
 * In-process witnesses for a Publisher: each cosigner cosigns every checkpoint at its own
 * fixed timestamp, and the lines are appended to the log's note (as WitnessClient does).
 */
function inProcessWitnesses(cosigners: readonly [Cosigner, number][]): CheckpointWitnesses {
  return {
    cosign: async ({ note }) => {
      const { text } = parseNote(note);
      const lines = cosigners.map(([c, time]) => c.line(c.cosign(text, time)));
      return {
        satisfied: true,
        note: `${note}${lines.join('')}`,
        cosigned: cosigners.map(([c]) => c.name),
        results: cosigners.map(([c]) => ({ witness: c.name, ok: true })),
      };
    },
  };
}

interface TestLog {
  readonly runtime: LogRuntime;
  readonly publisher: Publisher;
  readonly verifierKey: string;
}

async function addLog(
  storage: SqliteStorage,
  name: string,
  witnesses?: { cosigners: readonly [Cosigner, number][]; quorum: number },
  tsaRoots?: readonly Uint8Array[],
): Promise<TestLog> {
  const origin = `ledger.example.com/logs/${name}`;
  const key = parseSignerKey(generateSignerKey(origin));
  const verifierKey = formatVerifierKey(origin, key.publicKey);
  const config = await storage.ensureLog({
    name,
    tenant: 'acme',
    origin,
    verifierKey,
    createdAt: Date.now(),
  });
  const signer = nodeEd25519Signer(origin, key.seed);
  const runtime: LogRuntime = {
    config,
    signer,
    sequencer: new Sequencer(storage, name, {
      sealer: new ReceiptSealer(origin, key.seed, receiptFormat),
    }),
    ...(tsaRoots === undefined
      ? {}
      : {
          timestampAuthorities: { roots: tsaRoots.map((r) => Buffer.from(r).toString('base64')) },
        }),
    ...(witnesses === undefined
      ? {}
      : {
          witnesses: {
            keys: witnesses.cosigners.map(([c]) => c.verifier.verifierKey),
            quorum: witnesses.quorum,
          },
        }),
  };
  const publisher = new Publisher(storage, config, signer, {
    receiptFormat,
    ...(witnesses === undefined ? {} : { witnesses: inProcessWitnesses(witnesses.cosigners) }),
  });
  return { runtime, publisher, verifierKey };
}

/** Replaces the stored entry TAMPERED of `log` with another canonical record. */
function tamper(dbPath: string, log: string): void {
  const db = new Database(dbPath);
  try {
    const where = `log_id = (SELECT id FROM logs WHERE name = ?) AND idx = ?`;
    const row = db.prepare(`SELECT data FROM entries WHERE ${where}`).get(log, TAMPERED) as {
      data: Buffer;
    };
    const original = parseRecord(new Uint8Array(row.data));
    const forged = buildRecord(
      { ...statement(TAMPERED), subject: 'case-2026-9999' },
      original.tenant,
      Date.parse(original.time),
    ).bytes;
    db.prepare(`UPDATE entries SET data = ? WHERE ${where}`).run(
      Buffer.from(forged),
      log,
      TAMPERED,
    );
  } finally {
    db.close();
  }
}

/**
 * Builds the app (which serves the pages and the lookup route) over fresh logs, and listens
 * on a free loopback port.
 */
export async function startWebFixture(): Promise<WebFixture> {
  if (!existsSync(join(DEFAULT_WEB_ROOT, 'index.html'))) {
    throw new Error('packages/web is not built: run npm run build -w @proofline/web');
  }
  const dir = mkdtempSync(join(tmpdir(), 'proofline-web-'));
  const dbPath = join(dir, 'db');
  const storage = new SqliteStorage(dbPath);
  const logs = new Map<string, TestLog>();
  let app: FastifyInstance | undefined;
  const tsa = new LocalTsa('Web');
  const close = async () => {
    await app?.close();
    tsa.cleanup();
    for (const log of logs.values()) await log.runtime.sequencer.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Two witnesses cosign the default log's checkpoint a few seconds apart, the second first.
    const now = Math.floor(Date.now() / 1000);
    const cosigners: [Cosigner, number][] = [
      [makeCosigner('witness.auditor.example/w1'), now + 5],
      [makeCosigner('witness.customer.example/w2'), now + 2],
    ];
    logs.set('default', await addLog(storage, 'default', { cosigners, quorum: 2 }));
    logs.set('staging', await addLog(storage, 'staging'));
    const main = logs.get('default')!;
    for (let i = 0; i < RECORDS; i += 10) {
      const statements = Array.from({ length: 10 }, (_, j) => statement(i + j));
      await main.runtime.sequencer.appendGroup(recordGroup(statements, 'acme'));
    }
    await main.publisher.publish();
    const staging = logs.get('staging')!;
    await staging.runtime.sequencer.appendGroup(
      recordGroup(
        [{ digest: sha256(Buffer.from('quarterly access review')), type: 'audit.event' }],
        'acme',
      ),
    );
    await staging.publisher.publish();
    logs.set('stamped', await addLog(storage, 'stamped', undefined, [tsa.rootDer]));
    const stamped = logs.get('stamped')!;
    await stamped.runtime.sequencer.appendGroup(
      recordGroup(
        [{ digest: sha256(Buffer.from('signed contract')), type: 'contract.signed' }],
        'acme',
      ),
    );
    await stamped.publisher.publish();
    const checkpoint = (await storage.latestCheckpoint('stamped'))!;
    const token = tsa.token(new TextEncoder().encode(parseNote(checkpoint.note).text));
    await storage.addCheckpointTimestamp(
      'stamped',
      checkpoint.size,
      'local-tsa',
      token,
      Date.now(),
    );
    // A later checkpoint, timestamped too: stamped-0's bundle stays anchored to the first.
    await stamped.runtime.sequencer.appendGroup(
      recordGroup([{ digest: sha256(Buffer.from('amendment')), type: 'contract.signed' }], 'acme'),
    );
    await stamped.publisher.publish();
    const later = (await storage.latestCheckpoint('stamped'))!;
    await storage.addCheckpointTimestamp(
      'stamped',
      later.size,
      'local-tsa',
      tsa.token(new TextEncoder().encode(parseNote(later.note).text)),
      Date.now(),
    );
    // The tiles (and so the signed tree) keep the original entry's hash.
    tamper(dbPath, 'default');

    app = await buildApp({
      storage,
      access: storage,
      logs: new Map([...logs].map(([name, log]) => [name, log.runtime])),
      publicUrl: 'http://127.0.0.1',
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const keys = new Map([...logs].map(([name, log]) => [name, log.verifierKey]));
    const witnesses = cosigners.map(([c, time]) => ({
      name: c.name,
      vkey: c.verifier.verifierKey,
      time,
    }));
    return { url, keys, witnesses, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Debian's Chromium, headless, with a fresh profile and no background network traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}
