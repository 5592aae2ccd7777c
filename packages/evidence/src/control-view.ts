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

/** The catalogue of the parsed data/controls.json (the file is ours: shapes are trusted). */
export function catalogueFrom(doc: {
  frameworks: readonly CatalogueFramework[];
  controls: readonly CatalogueControl[];
}): Catalogue {
  return Object.freeze({
    frameworks: Object.freeze(doc.frameworks.map((f) => Object.freeze({ ...f }))),
    controls: new Map(doc.controls.map((c) => [c.id, Object.freeze({ ...c })])),
  });
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
export function controlView(
  cat: Catalogue,
  byControl: ReadonlyMap<string, number>,
  sampled: readonly { readonly id: string; readonly controls: readonly string[] }[],
): ControlSummary[] {
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
