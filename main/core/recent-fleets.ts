/**
 * The fleets the console opened recently, most recent first, kept as JSON in the data
 * directory (`recent-fleets.json`). Written atomically (a temporary file renamed over the old
 * one), so a crash mid-write leaves the previous list. A file that is not a valid list is
 * ignored with a warning and rewritten.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** How many fleets the list keeps. */
export const RECENT_FLEETS_LIMIT = 10;

/** The file name in the data directory. */
export const RECENT_FLEETS_FILE = 'recent-fleets.json';

/** One remembered fleet. */
export interface RecentFleet {
  /** Absolute path of the fleet file. */
  readonly path: string;
  /** The fleet's name when it was last opened. */
  readonly name: string;
  /** Epoch ms. */
  readonly lastOpenedAt: number;
}

interface RecentFleetsJson {
  readonly version: 1;
  readonly fleets: readonly RecentFleet[];
}

/** Options for {@link RecentFleets}. */
export interface RecentFleetsOptions {
  /** The data directory; the list lives in its {@link RECENT_FLEETS_FILE}. */
  readonly dataDir: string;
  /** Default {@link RECENT_FLEETS_LIMIT}. */
  readonly limit?: number;
  /** Where warnings go. Default console.warn. */
  readonly warn?: (message: string) => void;
}

function isRecentFleet(value: unknown): value is RecentFleet {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Partial<RecentFleet>;
  return (
    typeof entry.path === 'string' &&
    entry.path.length > 0 &&
    typeof entry.name === 'string' &&
    typeof entry.lastOpenedAt === 'number' &&
    Number.isFinite(entry.lastOpenedAt)
  );
}

/** Reads and updates the recent-fleets list. Re-reads the file each time, so two console processes share it. */
export class RecentFleets {
  /** The list's file. */
  readonly file: string;
  private readonly limit: number;
  private readonly warn: (message: string) => void;
  // Writes run one after another: two renames racing would drop an entry.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: RecentFleetsOptions) {
    this.file = join(options.dataDir, RECENT_FLEETS_FILE);
    this.limit = options.limit ?? RECENT_FLEETS_LIMIT;
    this.warn = options.warn ?? ((message) => console.warn(message));
  }

  /** The remembered fleets, most recent first. Never rejects: an unreadable list is an empty one. */
  list(): Promise<readonly RecentFleet[]> {
    return this.serially(() => this.read());
  }

  /** Puts a fleet at the top of the list (once), dropping the oldest past the limit. */
  record(path: string, name: string, now: number = Date.now()): Promise<void> {
    return this.serially(async () => {
      const fleets = (await this.read()).filter((fleet) => fleet.path !== path);
      await this.write([{ path, name, lastOpenedAt: now }, ...fleets].slice(0, this.limit));
    });
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => {});
    return result;
  }

  private async read(): Promise<RecentFleet[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.warn(`fleetdeck: cannot read ${this.file} (${code}); no recent fleets`);
      return [];
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const fleets = (json as Partial<RecentFleetsJson> | undefined)?.fleets;
    if (typeof json !== 'object' || json === null || !Array.isArray(fleets) || !fleets.every(isRecentFleet)) {
      this.warn(`fleetdeck: ${this.file} is not a list of recent fleets; ignoring it and starting a new one`);
      await this.write([]).catch((error: unknown) =>
        this.warn(`fleetdeck: cannot rewrite ${this.file}: ${(error as Error).message}`),
      );
      return [];
    }
    return fleets.slice(0, this.limit);
  }

  private async write(fleets: readonly RecentFleet[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.${randomUUID()}.tmp`;
    const json: RecentFleetsJson = { version: 1, fleets };
    try {
      await writeFile(temporary, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, this.file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
