/**
 * A strict, bounded JSON parser for request bodies: one left-to-right pass over the text with
 * an explicit stack (never recursion), which stops at the first violation of RFC 8259 or of
 * the limits, so hostile bodies (millions of `[`, objects of a million members) cost no more
 * than the characters read up to the limit. On valid input within the limits the result is
 * exactly what JSON.parse returns (same values, same key order, `-0`, `__proto__` as an own
 * data property, lone surrogate escapes kept as JSON.parse keeps them; the statement parser
 * refuses those in every text field). Member names must be unique per object (compared after
 * unescaping), which JSON.parse does not check.
 */

/** The limits of one document. */
export interface JsonLimits {
  /** Most containers open at once (the body's top-level value is depth 1). */
  readonly maxDepth: number;
  /** Most members of one object. */
  readonly maxMembers: number;
  /** Most elements of one array. */
  readonly maxElements: number;
  /** Most values in the whole document (containers and primitives). */
  readonly maxValues: number;
}

/**
 * The limits of request bodies, a little above what the formats need. A statement has about
 * ten members, maps (`labels`, `commitments`) of at most 32 and `controls` of at most 32, at
 * depth ≤ 2; a batch `{"records": [statement…]}` holds at most 1000 statements, at depth ≤ 4,
 * and about 107,000 values when every map is full. Depth 8 leaves room for future formats;
 * 1024 elements keeps a batch of 1001 to 1024 records for the route's own `batch-too-large`.
 * Small member counts also keep the cost of building objects low (a fresh name per member
 * makes every member a new hidden class in V8).
 */
export const BODY_LIMITS: JsonLimits = Object.freeze({
  maxDepth: 8,
  maxMembers: 64,
  maxElements: 1024,
  maxValues: 131_072,
});

/** What was wrong: the syntax, a repeated member name, or which limit was exceeded. */
export type JsonBodyErrorCode =
  'SYNTAX' | 'DUPLICATE' | 'DEPTH' | 'MEMBERS' | 'ELEMENTS' | 'VALUES';

/** A refusal of the parser: `offset` is the index in the text where it stopped. */
export class JsonBodyError extends Error {
  constructor(
    readonly code: JsonBodyErrorCode,
    message: string,
    readonly offset: number,
    /** For DUPLICATE: the JSON Pointer of the repeated member. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'JsonBodyError';
  }
}

/** An open container: the value being built, and for an object the name awaiting its value. */
interface Frame {
  readonly value: Record<string, unknown> | unknown[];
  readonly isArray: boolean;
  /** The current member name (objects). */
  name: string;
  /** Members or elements read so far, including the current one. */
  count: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ESCAPES: Readonly<Record<number, string>> = {
  0x22: '"',
  0x5c: '\\',
  0x2f: '/',
  0x62: '\b',
  0x66: '\f',
  0x6e: '\n',
  0x72: '\r',
  0x74: '\t',
};

/** Parses `text` as one JSON value within `limits`; throws JsonBodyError. */
export function parseBoundedJson(text: string, limits: JsonLimits = BODY_LIMITS): unknown {
  return new Parser(text, limits).parse();
}

class Parser {
  private i = 0;
  private values = 0;
  private readonly stack: Frame[] = [];

  constructor(
    private readonly text: string,
    private readonly limits: JsonLimits,
  ) {}

  parse(): unknown {
    const { text, stack } = this;
    this.skipWhitespace();
    for (;;) {
      // A value starts at this.i (after whitespace).
      let value = this.value();
      // Close every container that ends here, attaching each finished value to its parent.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          this.skipWhitespace();
          if (this.i !== text.length) throw this.syntax('unexpected text after the value');
          return value;
        }
        if (top.isArray) {
          (top.value as unknown[]).push(value);
        } else {
          setMember(top.value as Record<string, unknown>, top.name, value);
        }
        this.skipWhitespace();
        const c = text.charCodeAt(this.i);
        if (c === 0x2c /* , */) {
          this.i++;
          this.skipWhitespace();
          if (top.isArray) this.countElement(top);
          else this.memberName(top);
          break; // parse the next value
        }
        if (c === (top.isArray ? 0x5d /* ] */ : 0x7d) /* } */) {
          this.i++;
          stack.pop();
          value = top.value;
          continue;
        }
        throw this.syntax(top.isArray ? "expected ',' or ']'" : "expected ',' or '}'");
      }
    }
  }

  /**
   * Parses a primitive, an empty container, or opens a container (pushing its frame, reading
   * an object's first member name) and recurses no further: the caller's loop goes on.
   */
  private value(): unknown {
    const { text } = this;
    // A container whose first value follows: loop until a primitive or an empty container.
    for (;;) {
      if (++this.values > this.limits.maxValues) {
        throw new JsonBodyError('VALUES', `more than ${this.limits.maxValues} values`, this.i);
      }
      const c = text.charCodeAt(this.i);
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        const isArray = c === 0x5b;
        if (this.stack.length >= this.limits.maxDepth) {
          throw new JsonBodyError(
            'DEPTH',
            `nested deeper than ${this.limits.maxDepth} levels`,
            this.i,
          );
        }
        this.i++;
        this.skipWhitespace();
        if (text.charCodeAt(this.i) === (isArray ? 0x5d : 0x7d)) {
          this.i++;
          return isArray ? [] : {};
        }
        const frame: Frame = { value: isArray ? [] : {}, isArray, name: '', count: 0 };
        this.stack.push(frame);
        if (isArray) this.countElement(frame);
        else this.memberName(frame);
        continue;
      }
      if (c === QUOTE) return this.string();
      if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) return this.number();
      if (this.literal('true')) return true;
      if (this.literal('false')) return false;
      if (this.literal('null')) return null;
      throw this.syntax(this.i >= text.length ? 'unexpected end of the text' : 'expected a value');
    }
  }

  /** Counts an element of the array `frame` (whose value starts at this.i). */
  private countElement(frame: Frame): void {
    if (++frame.count > this.limits.maxElements) {
      throw new JsonBodyError(
        'ELEMENTS',
        `an array has more than ${this.limits.maxElements} elements`,
        this.i,
      );
    }
  }

  /** Reads `"name" :` of the object `frame`, refusing a repeated name or too many members. */
  private memberName(frame: Frame): void {
    if (this.text.charCodeAt(this.i) !== QUOTE) throw this.syntax('expected a member name');
    const object = frame.value as Record<string, unknown>;
    const start = this.i;
    const name = this.string();
    if (Object.hasOwn(object, name)) {
      throw new JsonBodyError(
        'DUPLICATE',
        'duplicate member name',
        start,
        this.pointer().concat(`/${escapePointer(name)}`),
      );
    }
    if (++frame.count > this.limits.maxMembers) {
      throw new JsonBodyError(
        'MEMBERS',
        `an object has more than ${this.limits.maxMembers} members`,
        start,
      );
    }
    this.skipWhitespace();
    if (this.text.charCodeAt(this.i) !== 0x3a /* : */) throw this.syntax("expected ':'");
    this.i++;
    this.skipWhitespace();
    frame.name = name;
  }

  /** The JSON Pointer of the innermost open container, built only for an error. */
  private pointer(): string {
    let path = '';
    for (let d = 0; d < this.stack.length - 1; d++) {
      const frame = this.stack[d]!;
      path += frame.isArray
        ? `/${(frame.value as unknown[]).length}`
        : `/${escapePointer(frame.name)}`;
    }
    return path;
  }

  private string(): string {
    const { text } = this;
    const start = ++this.i;
    let i = start;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.i = i + 1;
        return text.slice(start, i);
      }
      if (c === BACKSLASH) break;
      if (c < 0x20 || Number.isNaN(c)) {
        this.i = i;
        throw this.syntax(
          Number.isNaN(c) ? 'unterminated string' : 'control character in a string',
        );
      }
      i++;
    }
    // Escapes: build the string from its runs.
    let out = text.slice(start, i);
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.i = i + 1;
        return out;
      }
      if (c === BACKSLASH) {
        const e = text.charCodeAt(i + 1);
        if (e === 0x75 /* u */) {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.i = i;
            throw this.syntax('invalid \\u escape');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          const escaped = ESCAPES[e];
          if (escaped === undefined) {
            this.i = i;
            throw this.syntax('invalid escape');
          }
          out += escaped;
          i += 2;
        }
        continue;
      }
      if (c < 0x20 || Number.isNaN(c)) {
        this.i = i;
        throw this.syntax(
          Number.isNaN(c) ? 'unterminated string' : 'control character in a string',
        );
      }
      const run = i;
      while (i < text.length) {
        const d = text.charCodeAt(i);
        if (d === QUOTE || d === BACKSLASH || d < 0x20) break;
        i++;
      }
      out += text.slice(run, i);
    }
  }

  /** -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?, converted as JSON.parse does. */
  private number(): number {
    const { text } = this;
    const start = this.i;
    let i = start;
    if (text.charCodeAt(i) === 0x2d) i++;
    const first = text.charCodeAt(i);
    if (first === 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) i = digits(text, i);
    else return this.numberError(i);
    if (text.charCodeAt(i) === 0x2e /* . */) {
      const after = digits(text, i + 1);
      if (after === i + 1) return this.numberError(after);
      i = after;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      const after = digits(text, i);
      if (after === i) return this.numberError(i);
      i = after;
    }
    this.i = i;
    return Number(text.slice(start, i));
  }

  private numberError(at: number): never {
    this.i = at;
    throw this.syntax('invalid number');
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.i)) return false;
    this.i += word.length;
    return true;
  }

  private skipWhitespace(): void {
    const { text } = this;
    let i = this.i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.i = i;
  }

  private syntax(message: string): JsonBodyError {
    return new JsonBodyError('SYNTAX', `not valid JSON: ${message} at character ${this.i}`, this.i);
  }
}

function digits(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (!(c >= 0x30 && c <= 0x39)) return i; // NaN past the end
    i++;
  }
}

/** Sets a member as JSON.parse does: `__proto__` is an own data property, not the prototype. */
function setMember(object: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(object, name, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    object[name] = value;
  }
}

/** RFC 6901: `~` as `~0`, `/` as `~1`. */
function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
