/**
 * Reading the Accept header (RFC 9110 §12.5.1) the one way the server does: media ranges
 * compared by their exact type (case-insensitive, parameters other than q ignored); wildcards
 * name no type here, so a client gets a non-default form only by naming it.
 */

/** The media ranges of an Accept header: each type (lowercase) with its q (default 1). */
function ranges(accept: string | undefined): { type: string; q: number }[] {
  return (accept ?? '').split(',').map((range) => {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    return { type: type!, q: Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0 };
  });
}

/** Whether an Accept header names `type`. */
export function acceptsType(accept: string | undefined, type: string): boolean {
  return ranges(accept).some((r) => r.type === type);
}

/** The highest q an Accept header gives any of `types` (0 when it names none). */
export function acceptQuality(accept: string | undefined, types: readonly string[]): number {
  return ranges(accept).reduce((best, r) => (types.includes(r.type) && r.q > best ? r.q : best), 0);
}
