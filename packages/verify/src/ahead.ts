import { MAX_NOTE_SIZE, parseNote, type Note, type Verifier } from '@proofline/note';
import { MAX_BUNDLE_SIZE } from '@proofline/records';
import type { ResolvedPolicy } from './policy.js';
import { Prefetch } from './prefetch.js';

const encoder = new TextEncoder();

/**
 * The work of one verification call that is started ahead of the steps that need it: notes
 * are parsed once per text, and the signature verifications on them are started (see
 * Prefetch) as soon as the notes are known, possibly before the input is checked strictly.
 * `policy` is the caller's policy with verifiers that answer from those verifications; the
 * steps use it, and get exactly the verdicts they would have computed.
 */
export class Ahead {
  readonly policy: ResolvedPolicy;
  readonly #resolved: ResolvedPolicy;
  readonly #prefetch = new Prefetch();
  readonly #notes = new Map<string, Note | undefined>();
  /** The notes whose signatures were started: true once with the witnesses' too. */
  readonly #started = new Map<Note, boolean>();

  constructor(resolved: ResolvedPolicy) {
    this.#resolved = resolved;
    const prefetch = this.#prefetch;
    const { witnesses, chain } = resolved;
    this.policy = Object.freeze({
      ...resolved,
      log: prefetch.wrap(resolved.log),
      ...(chain === undefined
        ? {}
        : {
            chain: chain.map((k) => Object.freeze({ ...k, verifier: prefetch.wrap(k.verifier) })),
          }),
      ...(witnesses === undefined
        ? {}
        : {
            witnesses: Object.freeze({
              verifiers: witnesses.verifiers.map((v) => prefetch.wrap(v)),
              quorum: witnesses.quorum,
            }),
          }),
    });
  }

  /**
   * parseNote(note), once per text; undefined for anything that is not a note (its step
   * reports it).
   */
  note(note: unknown): Note | undefined {
    if (typeof note !== 'string' || note.length > MAX_NOTE_SIZE) return undefined;
    if (!this.#notes.has(note)) {
      let parsed: Note | undefined;
      try {
        parsed = parseNote(note);
      } catch {
        parsed = undefined;
      }
      this.#notes.set(note, parsed);
    }
    return this.#notes.get(note);
  }

  /**
   * Starts the verification of the signature lines of `note` by the log key and, for a
   * checkpoint to be cosigned, by the policy's witnesses: what openNote and witnessesStep
   * will ask of those verifiers, over the note text.
   */
  start(note: unknown, cosigned = false): void {
    const parsed = this.note(note);
    if (parsed === undefined) return;
    const started = this.#started.get(parsed);
    const witnesses = cosigned ? this.#resolved.witnesses?.verifiers : undefined;
    if (started === true || (started === false && witnesses === undefined)) return;
    this.#started.set(parsed, witnesses !== undefined);
    const message = encoder.encode(parsed.text);
    const start = (verifiers: readonly Verifier[]): void => {
      for (const sig of parsed.signatures) {
        for (const v of verifiers) {
          if (v.name === sig.name && v.keyId === sig.keyId) {
            this.#prefetch.start(v, message, sig.signature);
          }
        }
      }
    };
    if (started === undefined) start([this.#resolved.log]);
    if (witnesses !== undefined) start(witnesses);
  }

  /**
   * Starts the verifications of a bundle's receipt and checkpoint from the input as given
   * (JSON text of at most MAX_BUNDLE_SIZE characters, or an object), before the bundle step
   * checks it, so that they run meanwhile. Nothing here is relied on: what does not parse is
   * skipped, and a verdict is only used for the exact bytes a step later asks about.
   */
  startBundle(input: unknown): void {
    let bundle: unknown;
    try {
      bundle =
        typeof input === 'string'
          ? input.length <= MAX_BUNDLE_SIZE
            ? JSON.parse(input)
            : undefined
          : input;
      if (typeof bundle !== 'object' || bundle === null) return;
      const { receipt, checkpoint, latest } = bundle as {
        receipt?: unknown;
        checkpoint?: unknown;
        latest?: { checkpoint?: unknown } | null;
      };
      this.start(receipt);
      this.start(checkpoint, true);
      if (typeof latest === 'object' && latest !== null) this.start(latest.checkpoint);
    } catch {
      // A malformed bundle: the bundle step reports it.
    }
  }
}
