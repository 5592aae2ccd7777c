import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  ed25519Signer,
  formatCheckpoint,
  formatSignerKey,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  formatVerifierKey,
  type Signer,
  type Verifier,
} from '@proofline/note';
import {
  leafHash,
  nodeHash,
  proveConsistency,
  treeHash,
  type Hash,
  type HashReader,
} from '@proofline/tlog';
import {
  Witness,
  WitnessStore,
  cosigner,
  formatCosignerKey,
  parseCosignerKey,
  type Cosigner,
  type WitnessEvent,
} from '../src/index.js';

/** A log: a key and an in-memory tree of leaves "entry <i>". */
export class TestLog {
  readonly signer: Signer;
  readonly verifier: Verifier;
  readonly verifierKey: string;
  private readonly memo = new Map<string, Hash>();

  constructor(
    readonly origin = 'log.test/witness',
    seedByte = 7,
  ) {
    const seed = new Uint8Array(32).fill(seedByte);
    const key = parseSignerKey(formatSignerKey(origin, seed));
    this.signer = ed25519Signer(origin, seed);
    this.verifierKey = formatVerifierKey(origin, key.publicKey);
    this.verifier = parseVerifierKey(this.verifierKey);
  }

  private node(level: number, index: number): Hash {
    const k = `${level}/${index}`;
    let h = this.memo.get(k);
    if (h === undefined) {
      h =
        level === 0
          ? leafHash(new TextEncoder().encode(`entry ${index}`))
          : nodeHash(this.node(level - 1, 2 * index), this.node(level - 1, 2 * index + 1));
      this.memo.set(k, h);
    }
    return h;
  }

  readonly reader: HashReader = async (nodes) => nodes.map((n) => this.node(n.level, n.index));

  root(size: number): Promise<Hash> {
    return treeHash(size, this.reader);
  }

  proof(oldSize: number, size: number): Promise<Hash[]> {
    return oldSize === 0 || oldSize === size
      ? Promise.resolve([])
      : proveConsistency(oldSize, size, this.reader);
  }

  /** The signed checkpoint of the first `size` leaves (or of `root` when given). */
  async checkpoint(size: number, root?: Hash, signer: Signer = this.signer): Promise<string> {
    const rootHash = root ?? (await this.root(size));
    return signNote(formatCheckpoint({ origin: this.origin, size, rootHash, extensions: [] }), [
      signer,
    ]);
  }
}

/** A fixed witness key. */
export function witnessCosigner(name = 'witness.test/w1', byte = 3): Cosigner {
  return cosigner(parseCosignerKey(formatCosignerKey(name, new Uint8Array(32).fill(byte))));
}

export function tempDir(t: TestContext, prefix = 'witness'): string {
  const dir = mkdtempSync(join(tmpdir(), `proofline-${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A witness over a fresh store following `logs`. */
export function openWitness(
  t: TestContext,
  logs: readonly TestLog[],
  options: { cosigner?: Cosigner; now?: () => number; dir?: string } = {},
): { witness: Witness; store: WitnessStore; events: WitnessEvent[]; cosigner: Cosigner } {
  const dir = options.dir ?? tempDir(t);
  const store = new WitnessStore(join(dir, 'witness.db'));
  t.after(() => store.close());
  const events: WitnessEvent[] = [];
  const c = options.cosigner ?? witnessCosigner();
  const witness = new Witness({
    store,
    cosigner: c,
    logs: logs.map((l) => ({ origin: l.origin, verifiers: [l.verifier] })),
    onEvent: (e) => events.push(e),
    ...(options.now ? { now: options.now } : {}),
  });
  return { witness, store, events, cosigner: c };
}

export function requestBody(oldSize: number, proof: readonly Uint8Array[], note: string): string {
  return `old ${oldSize}\n${proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('')}\n${note}`;
}
