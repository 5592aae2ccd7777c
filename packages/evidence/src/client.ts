import { MAX_NOTE_SIZE } from '@proofline/note';
import { parseBundle, type Bundle, type PopulationFilter } from '@proofline/records';
import { EvidenceError, malformed } from './errors.js';
import { KeyHistoryProblem } from './key-history.js';
import { splitLines } from './lines.js';
import { MAX_PROOF_SIZE, parseJsonText, parseProof, type PopulationProof } from './population.js';

export { splitLines };

/** The period and filter of a population request. Times are anything the API accepts. */
export interface PopulationQuery {
  readonly log?: string;
  readonly from: string;
  readonly to: string;
  readonly filter?: PopulationFilter;
}

/** Indices per bundles request (the server's bound). */
export const BUNDLES_PER_REQUEST = 256;

/** Most retired keys a log description may list (as @proofline/verify's policy bound). */
const MAX_HANDOVERS = 1000;

/**
 * A client of the audit API (`/v1/audit/*`) with an `audit:read` API key. Every answer is
 * untrusted: callers verify what they get against the log key.
 */
export class AuditClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly apiKey: string,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  private async get(path: string, params: Record<string, string | undefined>): Promise<Response> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, v);
    const url = `${this.base}${path}?${query.toString()}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${this.apiKey}` } });
    } catch (cause) {
      throw new EvidenceError('HTTP', `GET ${path}: ${(cause as Error).message}`, { cause });
    }
    if (!res.ok) {
      let code = `http-${res.status}`;
      let detail = res.statusText;
      try {
        const problem = (await res.json()) as { code?: unknown; detail?: unknown };
        if (typeof problem.code === 'string') code = problem.code;
        if (typeof problem.detail === 'string') detail = problem.detail;
      } catch {
        // not a problem document
      }
      throw new EvidenceError('HTTP', `GET ${path}: ${res.status} ${code}: ${detail}`, {
        details: { status: res.status, problem: code },
      });
    }
    return res;
  }

  private static params(q: PopulationQuery): Record<string, string | undefined> {
    return {
      log: q.log,
      from: q.from,
      to: q.to,
      type: q.filter?.type,
      control: q.filter?.control,
      label: q.filter?.label,
    };
  }

  /** The completeness proof of a period (parsed, not verified). */
  async proof(q: PopulationQuery): Promise<PopulationProof> {
    const res = await this.get('/v1/audit/population/proof', AuditClient.params(q));
    return parseProof(parseJsonText(await res.text(), MAX_PROOF_SIZE, 'proof'));
  }

  /** The population file of a period, as a byte stream (format=jsonl). */
  async population(q: PopulationQuery): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.get('/v1/audit/population', {
      ...AuditClient.params(q),
      format: 'jsonl',
    });
    if (!res.body) throw malformed('the population response has no body');
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }

  /** The population as CSV, as a byte stream. */
  async populationCsv(q: PopulationQuery): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.get('/v1/audit/population', { ...AuditClient.params(q), format: 'csv' });
    if (!res.body) throw malformed('the population response has no body');
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }

  /** Per-control counts of a period. */
  async controls(q: { log?: string; from: string; to: string }): Promise<unknown> {
    const res = await this.get('/v1/audit/controls', { log: q.log, from: q.from, to: q.to });
    return res.json();
  }

  /**
   * The handover notes of the log's retired keys, oldest first (`GET /logs/<log>/`,
   * `retiredKeys[].handover`; none before a key was retired). Parsed strictly and bounded,
   * not verified: callers verify them (verifyKeyChain of @proofline/verify). A `retiredKeys`
   * of the wrong shape throws KeyHistoryProblem KEY_HISTORY_MALFORMED.
   */
  async keyHistory(log: string): Promise<string[]> {
    const res = await this.get(`/logs/${encodeURIComponent(log)}/`, {});
    const described = parseJsonText(await res.text(), MAX_PROOF_SIZE, 'log description') as {
      retiredKeys?: unknown;
    };
    const retired = described?.retiredKeys ?? [];
    if (!Array.isArray(retired) || retired.length > MAX_HANDOVERS) {
      throw new KeyHistoryProblem(
        'KEY_HISTORY_MALFORMED',
        `the log description's retiredKeys is not an array of at most ${MAX_HANDOVERS}`,
      );
    }
    return retired.map((r: unknown, i) => {
      const handover = (r as { handover?: unknown } | null)?.handover;
      if (typeof handover !== 'string' || handover.length > MAX_NOTE_SIZE)
        throw new KeyHistoryProblem(
          'KEY_HISTORY_MALFORMED',
          `retired key ${i} of the log's description has no handover note of at most ${MAX_NOTE_SIZE} bytes`,
        );
      return handover;
    });
  }

  /**
   * Proof bundles of `indices` against the published checkpoint of `size`, in the order asked
   * (parsed, not verified). Asks in requests of BUNDLES_PER_REQUEST.
   */
  async bundles(
    log: string,
    size: number,
    indices: readonly number[],
    onProgress?: (done: number) => void,
  ): Promise<Bundle[]> {
    const out: Bundle[] = [];
    for (let i = 0; i < indices.length; i += BUNDLES_PER_REQUEST) {
      const part = indices.slice(i, i + BUNDLES_PER_REQUEST);
      const res = await this.get('/v1/audit/bundles', {
        log,
        size: String(size),
        indices: part.join(','),
      });
      const lines = (await res.text()).split('\n').filter((l) => l !== '');
      if (lines.length !== part.length) {
        throw malformed(`asked for ${part.length} bundles, got ${lines.length}`);
      }
      lines.forEach((line, j) => {
        const bundle = parseBundle(line);
        if (bundle.index !== part[j])
          throw malformed(`asked for index ${part[j]}, got ${bundle.index}`);
        out.push(bundle);
      });
      onProgress?.(out.length);
    }
    return out;
  }
}
