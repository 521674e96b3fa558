/**
 * Runs a provisioner's command templates: `{id}`, `{host}` and `{port}` replaced by shell-quoted
 * values (so an id with a space or a `;` stays one word and cannot inject a command), run through
 * `/bin/sh -c` in a process group of its own, stopped at the timeout (SIGTERM to the whole group,
 * then SIGKILL), with the tail of its output kept (the last 64 KB of each stream).
 */
import { spawn } from 'node:child_process';

/** The placeholders a command template may use. */
export const PLACEHOLDERS = ['id', 'host', 'port'] as const;
/** One of {@link PLACEHOLDERS}. */
export type Placeholder = (typeof PLACEHOLDERS)[number];
/** Values for a template's placeholders; one left out may not be used by the template. */
export type PlaceholderValues = Partial<Record<Placeholder, string | number>>;

/** `{name}` where name is a word: what the template checks treat as a placeholder. */
const PLACEHOLDER_PATTERN = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Bytes of each stream kept by default. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;
/** How long a command has to exit after SIGTERM before SIGKILL, ms. */
export const DEFAULT_KILL_GRACE_MS = 2_000;
/**
 * After the shell exits, how long to wait for its output streams to close, ms. A process the
 * command left running in the background (a started node) may hold them open for good.
 */
const STREAM_CLOSE_GRACE_MS = 500;

/** The placeholders a template uses, each once, in the order of {@link PLACEHOLDERS}. */
export function placeholdersIn(template: string): Placeholder[] {
  const used = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) used.add(match[1] as string);
  return PLACEHOLDERS.filter((name) => used.has(name));
}

/** Words in `{…}` that are not placeholders (a typo such as `{node}`); empty when there are none. */
export function unknownPlaceholders(template: string): string[] {
  const unknown = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) {
    const name = match[1] as string;
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) unknown.add(name);
  }
  return [...unknown];
}

/** Quotes a value as one word for a POSIX shell: single quotes, with any `'` closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Fills a template's placeholders. `quote` is applied to each value (shellQuote for a command,
 * nothing for a URL template). Throws when the template uses a placeholder `values` lacks.
 */
export function fillTemplate(
  template: string,
  values: PlaceholderValues,
  quote: (value: string) => string = shellQuote,
): string {
  return template.replace(PLACEHOLDER_PATTERN, (whole, name: string) => {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) return whole;
    const value = values[name as Placeholder];
    if (value === undefined) throw new Error(`the template needs {${name}}, and no ${name} was given`);
    return quote(String(value));
  });
}

/** How a command ended, with the tail of its output. */
export interface CommandResult {
  /** The command line as the shell ran it (placeholders filled and quoted). */
  readonly commandLine: string;
  /** Null when a signal ended it. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when it ran past its timeout and was killed. */
  readonly timedOut: boolean;
  /** True when it was killed because the caller aborted it (the console closing). */
  readonly aborted: boolean;
  /** The last `maxOutputBytes` of standard output and standard error. */
  readonly stdout: string;
  readonly stderr: string;
  /** True when either stream had more than was kept. */
  readonly truncated: boolean;
  readonly durationMs: number;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  readonly timeoutMs: number;
  /** Between SIGTERM and SIGKILL at the timeout, ms. Default 2000. */
  readonly killGraceMs?: number;
  /** Bytes of each stream kept (the newest). Default 64 KB. */
  readonly maxOutputBytes?: number;
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Aborting kills the command like a timeout does (used when the console closes). */
  readonly signal?: AbortSignal;
}

/** The newest `limit` bytes of a stream. */
class OutputTail {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit) {
      const first = this.chunks[0] as Buffer;
      const excess = this.size - this.limit;
      this.truncated = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    // A cut may have split a character: drop its remains rather than show a replacement mark.
    return this.truncated ? text.replace(/^\uFFFD+/, '') : text;
  }
}

/** Sends `signal` to the command's whole process group; a group already gone is not an error. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every process of the group has exited.
  }
}

/**
 * Runs `commandLine` with `/bin/sh -c` and resolves when it has ended (never rejects for a
 * failed command: the result says how it ended). Processes it leaves running in the
 * background are not waited for, and are killed only when the command times out.
 */
export function runCommand(commandLine: string, options: RunCommandOptions): Promise<CommandResult> {
  const started = Date.now();
  const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const stdout = new OutputTail(limit);
  const stderr = new OutputTail(limit);
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', commandLine], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      // Its own process group: a timeout stops what the command started, not just the shell.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let aborted = false;
    let done = false;
    let killTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

    const finish = (fallback?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      clearTimeout(closeTimer);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (fallback !== undefined) stderr.push(Buffer.from(fallback));
      resolve({
        commandLine,
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut,
        aborted,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        durationMs: Date.now() - started,
      });
    };

    const kill = () => {
      if (exit !== null || child.pid === undefined) return;
      const pid = child.pid;
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    };
    const onAbort = () => {
      aborted = true;
      kill();
    };

    const timeoutTimer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (error) => finish(`cannot run /bin/sh: ${error.message}`));
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      clearTimeout(timeoutTimer);
      // The shell is gone; its group's other members may not be, and may hold the pipes.
      if ((timedOut || aborted) && child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      closeTimer = setTimeout(() => finish(), STREAM_CLOSE_GRACE_MS);
    });
    child.once('close', () => finish());
  });
}

/** One line about how a command ended, with the end of its error output when it failed. */
export function describeResult(what: string, result: CommandResult, timeoutMs: number): string {
  const seconds = `${(result.durationMs / 1000).toFixed(1)} s`;
  if (result.aborted) return `${what} was stopped because the console closed${outputTail(result)}`;
  if (result.timedOut) {
    return `${what} did not finish within ${timeoutMs} ms and was stopped${outputTail(result)}`;
  }
  if (result.exitCode === 0) return `${what} succeeded in ${seconds}`;
  const how = result.exitCode !== null ? `exited with ${result.exitCode}` : `was killed by ${result.signal}`;
  return `${what} ${how} after ${seconds}${outputTail(result)}`;
}

/** ": <the last lines of stderr, else stdout>", at most 500 characters; empty without output. */
function outputTail(result: CommandResult): string {
  const text = (result.stderr.trim() || result.stdout.trim()).replace(/\s*\n\s*/g, ' ⏎ ');
  if (text === '') return '';
  return `: ${text.length > 500 ? `…${text.slice(-500)}` : text}`;
}
