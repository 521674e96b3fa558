/**
 * A client for HAProxy's runtime API (the `stats socket`), over TCP or a unix socket: one
 * command per connection, as HAProxy's non-interactive mode expects (it answers one line and
 * closes). Bounded in time and size; every failure is an {@link HaproxyRuntimeError} with a
 * sentence an operator can act on, never a raw `ECONNREFUSED`.
 *
 * HAProxy may end a connection with a TCP RST instead of a FIN (when it closes with input
 * unread, e.g. after a client's half-close); an answer that arrived whole before the RST is
 * used, and a command cut short by one is sent once more: every command sent here is idempotent.
 */
import { connect, type Socket } from 'node:net';
import { csvFields } from '../../common/haproxy-csv.js';
import { describeRuntimeApi, HAPROXY_NAME, type RuntimeApiAddress } from './balancer-config.js';

/** How long one command may take, connection included, ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 3_000;
/** The most an answer may hold; `show stat` of a few thousand servers is well under it. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** Why a runtime API command failed. */
export type HaproxyRuntimeFailure = 'unreachable' | 'timeout' | 'refused' | 'unexpected';

/** A runtime API failure with a readable message. */
export class HaproxyRuntimeError extends Error {
  override readonly name = 'HaproxyRuntimeError';
  constructor(
    message: string,
    /** unreachable: no connection; timeout: no whole answer in time; refused: HAProxy said no; unexpected: an answer we cannot read. */
    readonly failure: HaproxyRuntimeFailure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One server of a backend, from `show stat`. */
export interface HaproxyServerStat {
  readonly backend: string;
  readonly server: string;
  /** HAProxy's status text: `UP`, `DOWN`, `DRAIN`, `DRAIN (agent)`, `MAINT`, `MAINT (via …)`, `NOLB`, `UP 1/3`, `no check`… */
  readonly status: string;
  /** Current sessions (`scur`). */
  readonly sessions: number;
  /** Effective weight. */
  readonly weight: number;
  /** The health check's status code (`L7OK`, `L4CON`…), or null when there is none. */
  readonly checkStatus: string | null;
  /** The health check's description ("Layer7 check passed"), or null. */
  readonly checkDescription: string | null;
  /** The agent-check's status code, or null when the server has no agent-check running. */
  readonly agentStatus: string | null;
  readonly agentDescription: string | null;
  /** "host:port" of the server, or null. */
  readonly address: string | null;
  /** Seconds since the status last changed, or null. */
  readonly lastChangeS: number | null;
}

/** States the runtime API sets with `set server <backend>/<server> state …`. */
export type HaproxyAdminState = 'ready' | 'drain' | 'maint';

/** Options for {@link HaproxyRuntime}. */
export interface HaproxyRuntimeOptions {
  readonly address: RuntimeApiAddress;
  /** Per command, ms. Default {@link DEFAULT_COMMAND_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/**
 * Parses `show stat` CSV into rows keyed by column name (`pxname`, `svname`, `status`, `scur`…).
 * Throws an HaproxyRuntimeError for an answer that is not CSV (an error message, "Unknown command").
 */
export function parseShowStat(csv: string): Array<Readonly<Record<string, string>>> {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0];
  if (header === undefined) return [];
  if (!header.startsWith('# ')) {
    throw new HaproxyRuntimeError(`HAProxy answered "show stat" with: ${oneLine(csv)}`, 'unexpected');
  }
  const columns = csvFields(header.slice(2));
  return lines.slice(1).map((line) => {
    const fields = csvFields(line);
    const row: Record<string, string> = {};
    columns.forEach((column, index) => {
      if (column !== '') row[column] = fields[index] ?? '';
    });
    return row;
  });
}

const textOrNull = (value: string | undefined): string | null =>
  value === undefined || value.trim() === '' ? null : value.trim();

const numberOr = (value: string | undefined, fallback: number): number => {
  const number = Number(value);
  return value === undefined || value === '' || !Number.isFinite(number) ? fallback : number;
};

/** The server rows of one backend (FRONTEND and BACKEND summary rows left out). */
export function serverStats(rows: ReadonlyArray<Readonly<Record<string, string>>>, backend: string) {
  return rows
    .filter((row) => row.pxname === backend && row.svname !== 'BACKEND' && row.svname !== 'FRONTEND')
    .map(
      (row): HaproxyServerStat => ({
        backend,
        server: row.svname ?? '',
        status: row.status ?? '',
        sessions: numberOr(row.scur, 0),
        weight: numberOr(row.weight, 0),
        checkStatus: textOrNull(row.check_status),
        checkDescription: textOrNull(row.check_desc),
        agentStatus: textOrNull(row.agent_status),
        agentDescription: textOrNull(row.agent_desc),
        address: textOrNull(row.addr),
        lastChangeS: row.lastchg === undefined || row.lastchg === '' ? null : numberOr(row.lastchg, 0),
      }),
    );
}

function oneLine(text: string): string {
  const line = text.trim().replace(/\s+/g, ' ');
  return line.length > 200 ? `${line.slice(0, 200)}…` : line === '' ? '(nothing)' : line;
}

function assertName(value: string, what: string): void {
  if (!HAPROXY_NAME.test(value))
    throw new TypeError(`${what} ${JSON.stringify(value)} is not an HAProxy name`);
}

/** Talks to one HAProxy's runtime API. Holds no connection between commands. */
export class HaproxyRuntime {
  /** "127.0.0.1:9999" or the socket's path. */
  readonly where: string;
  private readonly address: RuntimeApiAddress;
  private readonly timeoutMs: number;
  private readonly open = new Set<Socket>();
  private disposed = false;

  constructor(options: HaproxyRuntimeOptions) {
    this.address = options.address;
    this.where = describeRuntimeApi(options.address);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  /** Sends one command and resolves with HAProxy's whole answer; sent again once if a reset cut it short. */
  async command(line: string): Promise<string> {
    if (/[\r\n;]/.test(line)) throw new TypeError('a runtime API command is one line, without ";"');
    try {
      return await this.exchange(line);
    } catch (error) {
      if (error instanceof HaproxyRuntimeError && error.cause === 'reset' && !this.disposed) {
        return this.exchange(line);
      }
      throw error;
    }
  }

  /** Every server of `backend`, from `show stat`. Rejects when the backend does not exist. */
  async servers(backend: string): Promise<HaproxyServerStat[]> {
    assertName(backend, 'backend');
    // `show stat <proxy> 4 -1`: only that proxy's servers (type 4), so the answer stays small.
    const answer = await this.command(`show stat ${backend} 4 -1`);
    if (/^No such (proxy|backend)/im.test(answer.trim())) {
      throw new HaproxyRuntimeError(`HAProxy has no backend "${backend}"`, 'refused');
    }
    const rows = parseShowStat(answer);
    if (rows.length > 0 && rows[0]?.pxname === undefined) {
      throw new HaproxyRuntimeError('HAProxy\'s "show stat" has no "pxname" column', 'unexpected');
    }
    // An empty answer is how HAProxy 2.x says "no such proxy" for a name filter.
    if (rows.length === 0 && !(await this.hasBackend(backend))) {
      throw new HaproxyRuntimeError(`HAProxy has no backend "${backend}"`, 'refused');
    }
    return serverStats(rows, backend);
  }

  /** `set server <backend>/<server> state ready|drain|maint`; rejects with HAProxy's reason. */
  async setServerState(backend: string, server: string, state: HaproxyAdminState): Promise<void> {
    return this.expectSilence(`set server ${this.serverPath(backend, server)} state ${state}`);
  }

  /**
   * Pauses (`disable agent`) or resumes (`enable agent`) a server's agent-check. An agent that
   * answers `ready` cancels DRAIN and MAINT set here, so an operator's state needs it paused.
   * Resolves false when the server has no agent-check.
   */
  async setAgentCheck(backend: string, server: string, enabled: boolean): Promise<boolean> {
    const answer = await this.command(
      `${enabled ? 'enable' : 'disable'} agent ${this.serverPath(backend, server)}`,
    );
    if (answer.trim() === '') return true;
    if (/agent.*not configured|no agent/i.test(answer)) return false;
    throw this.refusal(answer);
  }

  /** Destroys any connection still open; later commands reject. Safe to call twice. */
  dispose(): void {
    this.disposed = true;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  private serverPath(backend: string, server: string): string {
    assertName(backend, 'backend');
    assertName(server, 'server');
    return `${backend}/${server}`;
  }

  private async hasBackend(backend: string): Promise<boolean> {
    const rows = parseShowStat(await this.command('show stat -1 2 -1'));
    return rows.some((row) => row.pxname === backend);
  }

  private async expectSilence(line: string): Promise<void> {
    const answer = await this.command(line);
    if (answer.trim() !== '') throw this.refusal(answer);
  }

  private refusal(answer: string): HaproxyRuntimeError {
    const text = oneLine(answer);
    const hint = /permission denied/i.test(text)
      ? ` (the stats socket at ${this.where} must be at "level admin")`
      : '';
    return new HaproxyRuntimeError(`HAProxy refused: ${text}${hint}`, 'refused');
  }

  private exchange(line: string): Promise<string> {
    if (this.disposed)
      return Promise.reject(new HaproxyRuntimeError('the runtime API client is closed', 'unreachable'));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const socket =
        this.address.kind === 'unix'
          ? connect({ path: this.address.path })
          : connect({ host: this.address.host, port: this.address.port });
      this.open.add(socket);
      const finish = (error: HaproxyRuntimeError | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.open.delete(socket);
        socket.destroy();
        if (error) reject(error);
        else resolve(Buffer.concat(chunks).toString('utf8'));
      };
      const timer = setTimeout(
        () =>
          finish(
            new HaproxyRuntimeError(
              `HAProxy's runtime API at ${this.where} did not answer "${line}" within ${this.timeoutMs} ms`,
              'timeout',
            ),
          ),
        this.timeoutMs,
      );
      socket.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          finish(
            new HaproxyRuntimeError(
              `HAProxy's answer to "${line}" is over ${MAX_ANSWER_BYTES} bytes`,
              'unexpected',
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      socket.once('end', () => finish(null));
      socket.once('close', () => finish(null));
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
          // HAProxy answers in full before it closes; a reset after a whole answer is a normal end.
          const text = Buffer.concat(chunks).toString('utf8');
          if (text.endsWith('\n')) {
            finish(null);
            return;
          }
          finish(
            new HaproxyRuntimeError(
              `HAProxy's runtime API at ${this.where} reset the connection`,
              'unreachable',
              {
                cause: 'reset',
              },
            ),
          );
          return;
        }
        finish(new HaproxyRuntimeError(this.connectProblem(error), 'unreachable', { cause: error }));
      });
      socket.write(`${line}\n`);
    });
  }

  private connectProblem(error: NodeJS.ErrnoException): string {
    const at = `HAProxy's runtime API at ${this.where}`;
    switch (error.code) {
      case 'ECONNREFUSED':
        return `${at} refused the connection: is HAProxy running, with "stats socket ${this.where} level admin" in its global section?`;
      case 'ENOENT':
        return `${at} does not exist: is HAProxy running, with "stats socket ${this.where} level admin"?`;
      case 'EACCES':
        return `${at} is not accessible to this user (permission denied on the socket)`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `${at}: the host name does not resolve`;
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return `${at} cannot be reached (no route to the host)`;
      default:
        return `${at} cannot be reached: ${error.message}`;
    }
  }
}
