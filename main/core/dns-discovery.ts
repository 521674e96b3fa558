/**
 * DNS discovery: a name that resolves to one address per node (a Kubernetes headless service,
 * a round-robin record) becomes a set of nodes, one per address, all on the same admin port.
 * Resolved at start and every `intervalMs`. An address that appears is added at once; one that
 * disappears is removed only once it has been missing from two answers in a row, so a partial
 * answer does not make a node blink out. A failed lookup changes nothing and becomes a problem.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DnsDiscoveryConfig, FleetNodeConfig } from './fleet-file.js';

/** What discovery tells its owner (the console service). */
export interface DnsDiscoveryListener {
  /** A new address answered: link to it. */
  added(node: FleetNodeConfig): void;
  /** An address has been missing from two answers in a row: forget it. */
  removed(nodeId: string): void;
}

/** The result of one lookup: the addresses, or why there are none to trust. */
export type DnsAnswer =
  | { readonly ok: true; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly problem: string };

/** Answers that mean "the name has no such records": the answer is "no addresses", not a failure. */
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

/** Lookups of a name give up after this long per try. */
const LOOKUP_TIMEOUT_MS = 2_000;

/** The node id and admin URL for one address: `10.0.0.5:9400`, `[fd00::5]:9400`. */
export function discoveredNode(address: string, config: DnsDiscoveryConfig): FleetNodeConfig {
  const host = isIP(address) === 6 ? `[${address}]` : address;
  return {
    id: `${host}:${config.port}`,
    adminUrl: `${config.scheme}://${host}:${config.port}`,
    publicUrl: null,
    token: config.token,
  };
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

/** Looks up A and AAAA records of `config.name`, asking `config.server` when set. */
export async function lookUpAddresses(config: DnsDiscoveryConfig): Promise<DnsAnswer> {
  const resolver = new Resolver({ timeout: LOOKUP_TIMEOUT_MS, tries: 2 });
  try {
    if (config.server !== null) resolver.setServers([config.server]);
    const answers = await Promise.allSettled([
      resolver.resolve4(config.name),
      resolver.resolve6(config.name),
    ]);
    const addresses: string[] = [];
    const failures: string[] = [];
    for (const answer of answers) {
      if (answer.status === 'fulfilled') addresses.push(...answer.value);
      else if (!NO_RECORDS.has(errorCode(answer.reason))) failures.push(errorCode(answer.reason));
    }
    // One family failing while the other answers is still an answer: most fleets have only one.
    if (addresses.length === 0 && failures.length > 0) {
      const via = config.server === null ? '' : ` via ${config.server}`;
      return {
        ok: false,
        problem: `DNS lookup of ${config.name}${via} failed (${[...new Set(failures)].join(', ')})`,
      };
    }
    return { ok: true, addresses: [...new Set(addresses)].sort() };
  } finally {
    resolver.cancel();
  }
}

/** Options for {@link DnsDiscovery}. */
export interface DnsDiscoveryOptions {
  readonly config: DnsDiscoveryConfig;
  readonly listener: DnsDiscoveryListener;
  /** Node ids discovery must leave alone (the file's static nodes). */
  readonly reservedIds?: ReadonlySet<string>;
  /** Does the lookup; tests may pass their own. Default {@link lookUpAddresses}. */
  readonly lookUp?: (config: DnsDiscoveryConfig) => Promise<DnsAnswer>;
}

/** Keeps a fleet's discovered nodes in step with DNS until disposed. */
export class DnsDiscovery {
  private readonly config: DnsDiscoveryConfig;
  /** Discovered node id → answers in a row it has been missing from. */
  private readonly missing = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private disposed = false;
  private latestProblem: string | null = null;
  private resolvedOnce: Promise<void>;
  private markResolved: () => void = () => {};

  constructor(private readonly options: DnsDiscoveryOptions) {
    this.config = options.config;
    this.resolvedOnce = new Promise((resolve) => {
      this.markResolved = resolve;
    });
  }

  /** Why the latest lookup could not be used, or null when it could. */
  get problem(): string | null {
    return this.latestProblem;
  }

  /** Node ids discovery holds now. */
  get nodeIds(): readonly string[] {
    return [...this.missing.keys()];
  }

  /** Resolves once the first lookup has finished, found nodes or not. */
  firstLookup(): Promise<void> {
    return this.resolvedOnce;
  }

  /** Looks up now and then every `intervalMs`. */
  start(): void {
    if (this.disposed || this.started) return;
    this.started = true;
    void this.resolveAndSchedule();
  }

  /** Stops looking up. Safe to call twice. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.markResolved();
  }

  private async resolveAndSchedule(): Promise<void> {
    try {
      this.apply(await (this.options.lookUp ?? lookUpAddresses)(this.config));
    } catch (error) {
      this.apply({ ok: false, problem: `DNS lookup of ${this.config.name} failed (${errorCode(error)})` });
    }
    this.markResolved();
    if (this.disposed) return;
    // Scheduled after each lookup ends, so a slow DNS server never has two lookups in flight.
    this.timer = setTimeout(() => void this.resolveAndSchedule(), this.config.intervalMs);
  }

  private apply(answer: DnsAnswer): void {
    if (this.disposed) return;
    if (!answer.ok) {
      if (answer.problem !== this.latestProblem) {
        console.warn(`fleetdeck: ${answer.problem}; keeping the ${this.missing.size} nodes found before`);
      }
      this.latestProblem = answer.problem;
      return;
    }
    this.latestProblem =
      answer.addresses.length === 0 ? `${this.config.name} has no A or AAAA records: no nodes found` : null;
    const answered = new Set<string>();
    for (const address of answer.addresses) {
      const node = discoveredNode(address, this.config);
      if (this.options.reservedIds?.has(node.id)) continue;
      answered.add(node.id);
      if (!this.missing.has(node.id)) this.safely(() => this.options.listener.added(node));
      this.missing.set(node.id, 0);
    }
    for (const [id, count] of this.missing) {
      if (answered.has(id)) continue;
      if (count + 1 >= 2) {
        this.missing.delete(id);
        this.safely(() => this.options.listener.removed(id));
      } else {
        this.missing.set(id, count + 1);
      }
    }
  }

  private safely(call: () => void): void {
    try {
      call();
    } catch (error) {
      console.error('fleetdeck: a discovery listener failed', error);
    }
  }
}
