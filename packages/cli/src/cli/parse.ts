import { Args, UsageError, type Command, type FlagSpec } from './command.js';
import { didYouMean } from './suggest.js';

/** The parse of one command's arguments: its Args, or a request for its help. */
export type Parsed = { readonly help: true } | { readonly help: false; readonly args: Args };

function integerOf(spec: FlagSpec, text: string, command: Command): number {
  const min = spec.min ?? 0;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${spec.name} must be an integer from ${min} to ${max}`, command);
  }
  return n;
}

/**
 * Parses `argv` (the arguments after the command's name) strictly against `command`'s
 * declaration (see ./command.ts for the convention): an unknown flag, a missing or extra
 * value, a non-repeatable flag given twice, a bad integer, a missing required flag or the
 * wrong number of positionals is a UsageError naming `command`. `-h`/`--help` before `--`
 * asks for the help whatever else is wrong. `env` is the environment variables to read.
 */
export function parseCommand(
  command: Command,
  fullName: string,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Parsed {
  const end = argv.indexOf('--');
  const flagPart = end < 0 ? argv : argv.slice(0, end);
  if (flagPart.includes('--help') || flagPart.includes('-h')) return { help: true };
  const specs = new Map((command.flags ?? []).map((f) => [f.name, f]));
  const values = new Map<string, string | number | boolean | string[] | number[]>();
  const given = new Set<string>();
  const positionals: string[] = [];
  const usage = (message: string) => new UsageError(message, command);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (i === end) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : arg;
    const spec = arg.startsWith('--') ? specs.get(name) : undefined;
    if (!spec) {
      const shown = arg.startsWith('--') ? `--${name}` : arg;
      const hint = didYouMean(
        shown,
        [...specs.keys()].map((n) => `--${n}`),
      );
      throw usage(`unknown flag ${shown} for ${fullName}${hint}`);
    }
    let text: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    let value: string | number | boolean;
    if (spec.type === 'boolean') {
      if (text !== undefined) throw usage(`--${name} takes no value`);
      value = true;
    } else if (text === undefined && spec.bare !== undefined) {
      value = spec.bare;
    } else {
      if (text === undefined) {
        text = argv[i + 1];
        if (text === undefined || i + 1 === end || text.startsWith('--')) {
          throw usage(`--${name} needs a value (${spec.value ?? 'VALUE'})`);
        }
        i++;
      }
      value = spec.type === 'integer' ? integerOf(spec, text, command) : text;
    }
    if (spec.repeatable) {
      values.set(name, [...((values.get(name) as (string | number)[] | undefined) ?? []), value] as
        string[] | number[]);
    } else {
      if (given.has(name)) throw usage(`--${name} given twice`);
      values.set(name, value);
    }
    given.add(name);
  }
  for (const spec of command.flags ?? []) {
    if (given.has(spec.name)) continue;
    const fromEnv = spec.env === undefined ? undefined : env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      values.set(spec.name, spec.type === 'integer' ? integerOf(spec, fromEnv, command) : fromEnv);
    } else if (spec.default !== undefined) {
      values.set(spec.name, spec.default);
    } else if (spec.required) {
      throw usage(`--${spec.name}${spec.env ? ` (or ${spec.env})` : ''} is required`);
    }
  }
  const declared = command.positionals ?? [];
  const many = declared.at(-1)?.many === true;
  const needed = declared.length - (declared.at(-1)?.optional === true ? 1 : 0);
  if (positionals.length < needed || (!many && positionals.length > declared.length)) {
    const what =
      declared.length === 0
        ? 'no arguments'
        : declared
            .map((p) => `${p.many ? 'one or more' : p.optional ? 'at most one' : 'one'} ${p.name}`)
            .join(', ');
    const got =
      positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ');
    throw usage(`${fullName} takes ${what} (got ${got})`);
  }
  return { help: false, args: new Args(fullName, values, positionals, given) };
}
