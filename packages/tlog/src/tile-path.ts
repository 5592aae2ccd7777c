import { TlogError } from './errors.js';
import { MAX_TILE_LEVEL, TILE_WIDTH, checkTileId, type TileId } from './tile.js';
import { checkInteger } from './validate.js';

/** A tile path, parsed by {@link parseTilePath}. */
export type ParsedTilePath =
  | { kind: 'hash'; level: number; index: number; width: number }
  | { kind: 'entries'; index: number; width: number };

/** Longest path {@link parseTilePath} looks at; canonical paths are under 60 characters. */
const MAX_PATH_LENGTH = 200;
/** Number.MAX_SAFE_INTEGER has 16 decimal digits, hence at most 6 three-digit elements. */
const MAX_INDEX_ELEMENTS = 6;
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);

/**
 * C2SP tlog-tiles index encoding: the decimal index, left-padded with zeros to a multiple of
 * three digits, split into 3-digit elements joined by "/", all but the last prefixed "x".
 * 1234067 -> "x001/x234/067", 5 -> "005".
 */
export function formatTileIndex(index: number): string {
  checkInteger('index', index);
  let digits = String(index);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const elements: string[] = [];
  for (let i = 0; i < digits.length; i += 3) {
    elements.push(digits.slice(i, i + 3));
  }
  return elements.map((e, i) => (i < elements.length - 1 ? `x${e}` : e)).join('/');
}

function widthSuffix(width: number): string {
  return width < TILE_WIDTH ? `.p/${width}` : '';
}

/** Hash tile path `tile/<L>/<N>[.p/<W>]`, the suffix only for partial tiles (W < 256). */
export function tilePath(tile: TileId): string {
  checkTileId(tile);
  return `tile/${tile.level}/${formatTileIndex(tile.index)}${widthSuffix(tile.width)}`;
}

/** Entry bundle path `tile/entries/<N>[.p/<W>]`, the suffix only for partial bundles (W < 256). */
export function entryBundlePath(index: number, width: number): string {
  checkInteger('index', index);
  checkInteger('width', width, 1, TILE_WIDTH);
  return `tile/entries/${formatTileIndex(index)}${widthSuffix(width)}`;
}

function badPath(reason: string): TlogError {
  return new TlogError('BAD_TILE_PATH', `bad tile path: ${reason}`);
}

/** Decodes canonical index elements (see {@link formatTileIndex}) to a safe integer. */
function parseIndex(elements: readonly string[]): number {
  if (elements.length === 0 || elements.length > MAX_INDEX_ELEMENTS) {
    throw badPath('wrong number of index elements');
  }
  const last = elements.length - 1;
  let digits = '';
  for (const [i, element] of elements.entries()) {
    const pattern = i < last ? /^x[0-9]{3}$/ : /^[0-9]{3}$/;
    if (!pattern.test(element)) {
      throw badPath(`malformed index element "${element}"`);
    }
    digits += i < last ? element.slice(1) : element;
  }
  if (elements.length > 1 && elements[0] === 'x000') {
    throw badPath('index has a leading zero element');
  }
  const trimmed = digits.replace(/^0+(?=[0-9])/, '');
  if (
    trimmed.length > MAX_SAFE_DIGITS.length ||
    (trimmed.length === MAX_SAFE_DIGITS.length && trimmed > MAX_SAFE_DIGITS)
  ) {
    throw badPath('index exceeds Number.MAX_SAFE_INTEGER');
  }
  return Number(trimmed);
}

/**
 * Strictly parses a C2SP tlog-tiles path relative to the log prefix: `tile/<L>/<N>[.p/<W>]`
 * (L in 0..63 without leading zeros) or `tile/entries/<N>[.p/<W>]` (W in 1..255 without
 * leading zeros). Only canonical encodings are accepted, so format(parse(p)) = p.
 * Throws TlogError BAD_TILE_PATH.
 */
export function parseTilePath(path: string): ParsedTilePath {
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH) {
    throw badPath('not a string of at most 200 characters');
  }
  if (!/^[0-9a-z./]+$/.test(path)) {
    throw badPath('unexpected character');
  }
  const segments = path.split('/');
  if (segments.length < 3 || segments[0] !== 'tile') {
    throw badPath('expected tile/<L or entries>/<N>');
  }
  const kind = segments[1] as string;
  let elements = segments.slice(2);
  let width = TILE_WIDTH;
  const beforeLast = elements[elements.length - 2];
  if (beforeLast !== undefined && beforeLast.endsWith('.p')) {
    const w = elements[elements.length - 1] as string;
    if (!/^[1-9][0-9]{0,2}$/.test(w) || Number(w) >= TILE_WIDTH) {
      throw badPath('partial width must be 1..255 without leading zeros');
    }
    width = Number(w);
    elements = [...elements.slice(0, -2), beforeLast.slice(0, -2)];
  }
  const index = parseIndex(elements);
  if (kind === 'entries') {
    return { kind: 'entries', index, width };
  }
  if (!/^(0|[1-9][0-9]?)$/.test(kind) || Number(kind) > MAX_TILE_LEVEL) {
    throw badPath('level must be 0..63 without leading zeros');
  }
  return { kind: 'hash', level: Number(kind), index, width };
}
