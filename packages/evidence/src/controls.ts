import { readFileSync } from 'node:fs';
import {
  catalogueFrom,
  controlView,
  type Catalogue,
  type CatalogueControl,
  type CatalogueFramework,
  type ControlSummary,
} from './control-view.js';

export type { Catalogue, CatalogueControl, CatalogueFramework, ControlSummary };

let cached: Catalogue | undefined;

/**
 * The catalogue of common control ids (SOC 2 Trust Services Criteria, ISO/IEC 27001:2022
 * Annex A, HIPAA 45 CFR 164.312, ISO/IEC 42001:2023 Annex A) with short titles, from
 * `data/controls.json`. Records may carry any other control id too: it is simply not in the
 * catalogue. (The browser verifier bundles the same file: see control-view.ts.)
 */
export function catalogue(): Catalogue {
  cached ??= catalogueFrom(
    JSON.parse(readFileSync(new URL('../../data/controls.json', import.meta.url), 'utf8')) as {
      frameworks: CatalogueFramework[];
      controls: CatalogueControl[];
    },
  );
  return cached;
}

/** The catalogue entry of a control id, if it has one. */
export function lookupControl(id: string): CatalogueControl | undefined {
  return catalogue().controls.get(id);
}

/** The per-control view against the catalogue (see controlView). */
export function summarizeControls(
  byControl: ReadonlyMap<string, number>,
  sampled: readonly { readonly id: string; readonly controls: readonly string[] }[],
): ControlSummary[] {
  return controlView(catalogue(), byControl, sampled);
}
