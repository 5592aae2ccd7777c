/**
 * Finishing a key rotation (`proofline retire-key`, docs/keys.md): the successor becomes the
 * log's registered key, and the log's key history records the retired key, the entries whose
 * receipts it sealed and the last tree it signed, in a handover note both keys sign.
 *
 * Preconditions, each refused with a message and nothing changed: a successor key exists;
 * the database's latest checkpoint covers every sequenced entry and carries both keys'
 * signatures (the continuity point: the new key's first own checkpoint must extend it); this
 * node's guard accepts it; and no node runs: the log's lease is taken for the switch
 * (refused while a publisher holds it) and storage switches only if nothing was sequenced
 * since the check. Crash behaviour: the database switch is one transaction; the key files
 * move after it (the retired key copied to `<log>.retired-<key id>.key`, then the successor
 * renamed over `<log>.key`), and running retire-key again after a crash in between only
 * finishes those moves.
 */
import { existsSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { createPrivateFileOnce, fsyncDirectory, readPrivateFile } from '@proofline/files';
import { openCheckpoint, parseVerifierKey } from '@proofline/note';
import { signKeyHandover } from '@proofline/records';
import type { Storage } from '@proofline/storage';
import { keyPath, loadKey, loadSuccessorKey, successorKeyPath, verifierKeyOf } from './keys.js';
import type { LogHandle } from './deployment.js';

/** What the switch did, for the operator. */
export interface Retirement {
  readonly retiredKey: string;
  readonly successorKey: string;
  /** The retired key sealed `[start, end)`; the successor seals from `end` on (unset if finishedOnly). */
  readonly start?: number;
  readonly end?: number;
  /** Where the retired key's file is kept (file keys), for the operator to delete. */
  readonly keptKeyFile?: string;
  /** True when this call only finished the key file moves of an earlier, interrupted call. */
  readonly finishedOnly: boolean;
}

/** The retired key's file: kept beside the log's key, named by its key id. */
export function retiredKeyPath(keyDir: string, log: string, verifierKey: string): string {
  const id = parseVerifierKey(verifierKey).keyId.toString(16).padStart(8, '0');
  return keyPath(keyDir, `${log}.retired-${id}`);
}

/**
 * If the database already registers the successor file's key while `<log>.key` still holds
 * the previous one (a retire-key interrupted after its database switch), finishes the moves.
 */
export function finishInterruptedMoves(
  keyDir: string,
  log: string,
  registered: string,
): Retirement | undefined {
  const next = loadSuccessorKey(keyDir, log);
  if (next === undefined || verifierKeyOf(next) !== registered) return undefined;
  if (!existsSync(keyPath(keyDir, log))) return undefined;
  const old = verifierKeyOf(loadKey(keyPath(keyDir, log)));
  if (old === registered) return undefined;
  const kept = moveKeyFiles(keyDir, log, old);
  return { retiredKey: old, successorKey: registered, keptKeyFile: kept, finishedOnly: true };
}

function moveKeyFiles(keyDir: string, log: string, retiredKey: string): string {
  const kept = retiredKeyPath(keyDir, log, retiredKey);
  if (!existsSync(kept)) createPrivateFileOnce(kept, readPrivateFile(keyPath(keyDir, log)));
  renameSync(successorKeyPath(keyDir, log), keyPath(keyDir, log));
  fsyncDirectory(keyDir);
  return kept;
}

/**
 * Retires the registered key of `handle`'s log in favour of its successor (see the module
 * comment). `keyFiles` is the key folder when both keys are files there (they are then
 * moved), undefined for keys from a token or a variable (the operator reconfigures those).
 */
export async function retireKey(
  storage: Storage,
  handle: LogHandle,
  keyFiles: string | undefined,
): Promise<Retirement> {
  const { config, successor, keyHistory } = handle;
  const log = config.name;
  if (!successor) {
    throw new Error(
      `log ${log} has no successor key: start a rotation with proofline rotate-key first; nothing was changed`,
    );
  }
  await handle.guard.reconcile(storage);
  const sequenced = await storage.sequencedSize(log);
  const latest = await storage.latestCheckpoint(log);
  const signedByBoth = async () => {
    if (!latest) return undefined;
    try {
      const verifiers = [config.verifierKey, successor.verifierKey].map((k) => parseVerifierKey(k));
      const opened = await Promise.all(
        verifiers.map((v) => openCheckpoint(latest.note, config.origin, v)),
      );
      return opened[0]!.checkpoint;
    } catch {
      return undefined;
    }
  };
  const checkpoint = await signedByBoth();
  if (!checkpoint || checkpoint.size !== sequenced) {
    throw new Error(
      `log ${log}: the latest checkpoint (${latest ? `size ${latest.size}` : 'none'}) must cover all ` +
        `${sequenced} entries and carry the signatures of both keys before the switch: run the ` +
        'nodes with the successor key until they publish one, stop every node, and run retire-key again; nothing was changed',
    );
  }
  const guarded = await handle.guard.read();
  if (guarded.size !== checkpoint.size) {
    throw new Error(
      `log ${log}: this node's checkpoint guard is at size ${guarded.size}, not at the latest checkpoint's ${checkpoint.size}; nothing was changed`,
    );
  }
  const handover = {
    origin: config.origin,
    retired: config.verifierKey,
    successor: successor.verifierKey,
    start: keyHistory.currentStart,
    end: sequenced,
    rootHash: checkpoint.rootHash,
  };
  const note = await signKeyHandover(handover, handle.signer, successor.signer);
  const leaseOwner = `retire-key:${hostname()}:${process.pid}`;
  if (!(await storage.acquireLease(log, leaseOwner, 60_000))) {
    throw new Error(
      `log ${log}: another process holds the log's lease (a node is running): stop every node of the log, then run retire-key again; nothing was changed`,
    );
  }
  try {
    const answer = await storage.retireKey(log, {
      retiredKey: config.verifierKey,
      successorKey: successor.verifierKey,
      end: sequenced,
      leaseOwner,
      note,
    });
    if (answer.status === 'stale') {
      throw new Error(
        `log ${log} changed during the switch (registered key ${answer.verifierKey}, ` +
          `${answer.sequencedSize} entries, lease ${answer.leaseHeld ? 'held' : 'lost'}): is a node running? nothing was changed`,
      );
    }
  } finally {
    await storage.releaseLease(log, leaseOwner);
  }
  const keptKeyFile =
    keyFiles === undefined ? undefined : moveKeyFiles(keyFiles, log, config.verifierKey);
  return {
    retiredKey: config.verifierKey,
    successorKey: successor.verifierKey,
    start: handover.start,
    end: handover.end,
    ...(keptKeyFile === undefined ? {} : { keptKeyFile }),
    finishedOnly: false,
  };
}
