/**
 * The command table's vocabulary: what a command declares (name, summary, flags, positional
 * arguments, a `run`), and the one flag convention every command follows.
 *
 * Flags are long only (`-h` aside): `--flag value` or `--flag=value`; a boolean flag takes no
 * value; a repeatable flag is given once per value; a flag that is neither may be given once.
 * A flag with a `bare` value (e.g. `attest --wait`) also stands alone: its own value is then
 * given only as `--flag=value`, since `--flag value` could not be told from a positional.
 * `--` ends the flags: every argument after it is positional (a file named `-x`).
 */

import { CodedError } from '@proofline/tlog';

/** Bad usage: the caller prints the message and the command's usage line, and exits 2. */
export class UsageError extends CodedError<'usage'> {
  constructor(
    message: string,
    /** The command whose usage line applies (undefined: the top level). */
    readonly command?: Command,
  ) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** The name without `--`: lower case, digits and `-`. */
  readonly name: string;
  /**
   * `string`: any text. `integer`: decimal digits only, within `min`..`max`. `boolean`: present
   * or not, never a value.
   */
  readonly type: 'string' | 'integer' | 'boolean';
  /** Placeholder of the value in usage texts (`DIR`, `URL`); default `VALUE` / `N`. */
  readonly value?: string;
  readonly help: string;
  /** Value when the flag (and its `env`) is absent, shown in the help. */
  readonly default?: string | number;
  /** Given once per value (`--label a=1 --label b=2`). */
  readonly repeatable?: boolean;
  /** A usage error when absent (after `env`). */
  readonly required?: boolean;
  /** Environment variable read when the flag is absent. */
  readonly env?: string;
  readonly min?: number;
  readonly max?: number;
  /** Integer flags only: the value of the flag given alone (see the module comment). */
  readonly bare?: number;
  /**
   * Replaces the flag in the one-line usage ('' leaves it out; it stays in `--help`), e.g.
   * `(--data DIR | --db URL --keys DIR)` for a choice of flags.
   */
  readonly synopsis?: string;
}

export interface PositionalSpec {
  /** Placeholder in usage texts: FILE, URL, ID. */
  readonly name: string;
  readonly help: string;
  /** One or more (only the last positional). Otherwise exactly one. */
  readonly many?: boolean;
  /** May be absent (only the last positional; with `many`, zero or more): `run` decides. */
  readonly optional?: boolean;
}

/** A command of the table: a leaf with `run`, or a group of `subcommands` (`api-key create`). */
export interface Command {
  readonly name: string;
  /** One line, for `proofline --help`. */
  readonly summary: string;
  /** Further paragraphs for `proofline CMD --help`. */
  readonly description?: string;
  readonly flags?: readonly FlagSpec[];
  readonly positionals?: readonly PositionalSpec[];
  /** Exit codes beyond 0 ok, 1 failed, 2 usage, as [code, meaning]. */
  readonly exits?: readonly (readonly [number, string])[];
  /**
   * What the command creates or changes in a deployment or on disk (undefined: it writes
   * nothing but its requested output files). Shown in the help and the README.
   */
  readonly writes?: string;
  /** Runs the parsed command: its exit code, or -1 when it keeps running (a server). */
  readonly run?: (args: Args) => Promise<number>;
  readonly subcommands?: readonly Command[];
}

type Value = string | number | boolean | string[] | number[];

/** A command's parsed arguments; the accessors check the declared type of each flag. */
export class Args {
  constructor(
    /** The command's full name, e.g. `api-key create`. */
    readonly command: string,
    private readonly values: ReadonlyMap<string, Value>,
    readonly positionals: readonly string[],
    private readonly given: ReadonlySet<string>,
  ) {}

  private get(name: string, type: string): Value | undefined {
    const value = this.values.get(name);
    const sample = Array.isArray(value) ? value[0] : value;
    if (sample !== undefined && typeof sample !== type) {
      throw new Error(`flag --${name} of ${this.command} is not a ${type}`);
    }
    return value;
  }

  /** A string flag's value (its env or default when absent), or undefined. */
  string(name: string): string | undefined {
    const v = this.get(name, 'string');
    return v === undefined ? undefined : (v as string);
  }

  /** A flag declared `required` (or with a default): its value. */
  required(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new Error(`flag --${name} of ${this.command} has no value`);
    return v;
  }

  integer(name: string): number | undefined {
    const v = this.get(name, 'number');
    return v === undefined ? undefined : (v as number);
  }

  flag(name: string): boolean {
    return this.get(name, 'boolean') === true;
  }

  /** A repeatable flag's values, in order (empty when absent). */
  list(name: string): string[] {
    return (this.get(name, 'string') as string[] | undefined) ?? [];
  }

  /** Whether the flag was on the command line (not taken from env or default). */
  has(name: string): boolean {
    return this.given.has(name);
  }
}
