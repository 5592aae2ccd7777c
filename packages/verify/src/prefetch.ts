import type { Verifier } from '@proofline/note';

/** A verification started ahead of the step that needs it. */
interface Started {
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly result: Promise<boolean>;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Signature verifications started early, for one verification call: as soon as a note is
 * parsed, its signatures are handed to the verifiers, which (WebCrypto) check them on the
 * platform's threads while the record, the leaf hash and the inclusion proof are checked on
 * this one. The steps then run unchanged with verifiers from `wrap`, which answer a
 * `verify(message, signature)` with the started verification of the same verifier and
 * exactly the same message and signature bytes, and otherwise verify as usual. A verdict is
 * a function of the key and those bytes only, so the steps get the verdicts they would have
 * computed; nothing is shared between calls. A started verification no step asks for (say,
 * after an earlier failure) is dropped; its rejection, if any, is handled here.
 */
export class Prefetch {
  /** By verifier; a note has at most 100 signature lines, so a list is enough. */
  readonly #started = new Map<Verifier, Started[]>();

  /** Starts `verifier.verify(message, signature)`, unless it was already started. */
  start(verifier: Verifier, message: Uint8Array, signature: Uint8Array): void {
    let started = this.#started.get(verifier);
    if (started === undefined) {
      started = [];
      this.#started.set(verifier, started);
    }
    if (find(started, message, signature) !== undefined) return;
    let result: Promise<boolean>;
    try {
      result = verifier.verify(message, signature);
    } catch (error) {
      result = Promise.reject(error);
    }
    result.catch(() => undefined);
    started.push({ message, signature, result });
  }

  /** `verifier`, answering from the verifications started for it. */
  wrap(verifier: Verifier): Verifier {
    const verify = (message: Uint8Array, signature: Uint8Array): Promise<boolean> => {
      const started = this.#started.get(verifier);
      if (
        started !== undefined &&
        message instanceof Uint8Array &&
        signature instanceof Uint8Array
      ) {
        const same = find(started, message, signature);
        if (same !== undefined) return same.result;
      }
      return verifier.verify(message, signature);
    };
    return Object.freeze({ name: verifier.name, keyId: verifier.keyId, verify });
  }
}

function find(
  started: readonly Started[],
  message: Uint8Array,
  signature: Uint8Array,
): Started | undefined {
  return started.find((s) => equalBytes(s.signature, signature) && equalBytes(s.message, message));
}
