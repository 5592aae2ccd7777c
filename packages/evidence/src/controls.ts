import { readFileSync } from 'node:fs';

/** A control of the catalogue in data/controls.json. */
export interface CatalogueControl {
  readonly id: string;
  readonly framework: string;
  readonly title: string;
}

export interface CatalogueFramework {
  readonly id: string;
  readonly title: string;
  readonly prefix: string;
}

export interface Catalogue {
  readonly frameworks: readonly CatalogueFramework[];
  readonly controls: ReadonlyMap<string, CatalogueControl>;
}

let cached: Catalogue | undefined;

/**
 * The catalogue of common control ids (SOC 2 Trust Services Criteria, ISO/IEC 27001:2022
 * Annex A, HIPAA 45 CFR 164.312, ISO/IEC 42001:2023 Annex A) with short titles, from
 * `data/controls.json`. Records may carry any other control id too: it is simply not in the
 * catalogue.
 */
export function catalogue(): Catalogue {
  if (cached) return cached;
  const doc = JSON.parse(
    readFileSync(new URL('../../data/controls.json', import.meta.url), 'utf8'),
  ) as { frameworks: CatalogueFramework[]; controls: CatalogueControl[] };
  cached = Object.freeze({
    frameworks: Object.freeze(doc.frameworks.map((f) => Object.freeze(f))),
    controls: new Map(doc.controls.map((c) => [c.id, Object.freeze(c)])),
  });
  return cached;
}

/** The catalogue entry of a control id, if it has one. */
export function lookupControl(id: string): CatalogueControl | undefined {
  return catalogue().controls.get(id);
}

/** Per control: records of the period carrying it, and the sampled ones (ids). */
export interface ControlSummary {
  readonly id: string;
  readonly framework: string | null;
  readonly title: string | null;
  /** Records of the period that carry the control. */
  readonly records: number;
  /** Record ids of the sample that carry it, in sample order. */
  readonly sampled: readonly string[];
}

/**
 * The per-control view: every control id found in the period, sorted (catalogue order for
 * known ids first by framework, then others by id), with its counts and sampled records.
 */
export function summarizeControls(
  byControl: ReadonlyMap<string, number>,
  sampled: readonly { readonly id: string; readonly controls: readonly string[] }[],
): ControlSummary[] {
  const cat = catalogue();
  const order = new Map([...cat.controls.keys()].map((id, i) => [id, i]));
  const ids = [...byControl.keys()].sort((a, b) => {
    const oa = order.get(a);
    const ob = order.get(b);
    if (oa !== undefined && ob !== undefined) return oa - ob;
    if (oa !== undefined) return -1;
    if (ob !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return ids.map((id) => {
    const known = cat.controls.get(id);
    return {
      id,
      framework: known?.framework ?? null,
      title: known?.title ?? null,
      records: byControl.get(id)!,
      sampled: sampled.filter((s) => s.controls.includes(id)).map((s) => s.id),
    };
  });
}
