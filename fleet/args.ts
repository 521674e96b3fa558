/** A small, strict command-line parser shared by the fleet's scripts. */

/** A command line that does not parse; callers print usage and exit 2. */
export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

/** Parsed flags: `--name value` pairs and bare `--flag` switches. */
export interface ParsedArgs {
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

/** Parses argv; every `--name` is a switch unless listed in `valued`. Unknown names are an Error. */
export function parseArgs(
  argv: readonly string[],
  valued: readonly string[],
  switches: readonly string[] = [],
): ParsedArgs {
  const values = new Map<string, string>();
  const seen = new Set<string>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (valued.includes(name)) {
      const value = inline ?? argv[++index];
      if (value === undefined) throw new ArgumentError(`--${name} needs a value`);
      values.set(name, value);
    } else if (switches.includes(name)) {
      seen.add(name);
    } else {
      throw new ArgumentError(`unknown option --${name}`);
    }
  }
  return { values, switches: seen, positionals };
}

function boundedArg(
  args: ParsedArgs,
  name: string,
  fallback: number,
  min: number,
  max: number,
  kind: 'integer' | 'number',
): number {
  const raw = args.values.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const valid = kind === 'integer' ? Number.isInteger(value) : Number.isFinite(value);
  if (!valid || value < min || value > max) {
    throw new ArgumentError(
      `--${name} must be ${kind === 'integer' ? 'an integer' : 'a number'} from ${min} to ${max} (got ${raw})`,
    );
  }
  return value;
}

/** Reads an integer flag within bounds, or the default. */
export function integerArg(
  args: ParsedArgs,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return boundedArg(args, name, fallback, min, max, 'integer');
}

/** Reads a number flag within bounds, or the default. */
export function numberArg(
  args: ParsedArgs,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return boundedArg(args, name, fallback, min, max, 'number');
}
