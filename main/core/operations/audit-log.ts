/**
 * The audit log: every operator action, from the console and the CLI, appended as JSON lines
 * to `audit.jsonl` in the data directory. An action writes a line when it starts
 * (`outcome: "running"`) and one when it ends, under the same id, so an action cut short by a
 * crash still shows who started what and when. Readers merge lines by id, the last one winning.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type {
  ActivityPage,
  OperationAction,
  OperationOutcome,
  OperationRecord,
} from '../../common/models.js';

/** The log's file name in the data directory. */
export const AUDIT_FILE_NAME = 'audit.jsonl';
/** Reads look at the newest this many bytes of the file at most. */
const MAX_READ_BYTES = 8 * 1024 * 1024;
/** Entries a read returns at most. */
export const MAX_ACTIVITY_ENTRIES = 1000;

/** What starting an action needs; the log fills in id, user and times. */
export interface OperationStart {
  readonly action: OperationAction;
  readonly nodeId: string | null;
  readonly args: Readonly<Record<string, unknown>>;
  readonly source: 'console' | 'cli';
  readonly fleet: string;
  readonly parentId?: string | null;
}

/** A started action: finish it once. */
export interface OperationHandle {
  readonly record: OperationRecord;
  /** Writes the final line; later calls are ignored. Resolves when it is on disk. */
  finish(outcome: Exclude<OperationOutcome, 'running'>, message?: string | null): Promise<OperationRecord>;
}

/** The OS user, or "unknown" where the system cannot say (no passwd entry in a container). */
function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** Appends and reads the audit log. `path` null keeps it in memory only (tests, no data directory). */
export class AuditLog {
  /** Where the log is, or null. */
  readonly path: string | null;
  private readonly user: string;
  private readonly now: () => number;
  /** Appends go one after another, so lines never interleave. */
  private tail: Promise<void> = Promise.resolve();
  /** Actions this process started that have not finished. */
  private readonly runningRecords = new Map<string, OperationRecord>();
  /** Used when there is no file. */
  private readonly memory: OperationRecord[] = [];

  constructor(path: string | null, options: { readonly user?: string; readonly now?: () => number } = {}) {
    this.path = path;
    this.user = options.user ?? currentUser();
    this.now = options.now ?? Date.now;
  }

  /** The log in a data directory. */
  static inDirectory(dataDir: string): AuditLog {
    return new AuditLog(join(dataDir, AUDIT_FILE_NAME));
  }

  /** Records the start of an action and returns the handle that finishes it. */
  async start(start: OperationStart): Promise<OperationHandle> {
    const record: OperationRecord = {
      id: randomUUID(),
      action: start.action,
      nodeId: start.nodeId,
      args: start.args,
      user: this.user,
      source: start.source,
      fleet: start.fleet,
      startedAt: this.now(),
      endedAt: null,
      outcome: 'running',
      message: null,
      parentId: start.parentId ?? null,
    };
    this.runningRecords.set(record.id, record);
    await this.append(record);
    let finished: OperationRecord | null = null;
    return {
      record,
      finish: async (outcome, message = null) => {
        if (finished !== null) return finished;
        finished = { ...record, endedAt: this.now(), outcome, message };
        this.runningRecords.delete(record.id);
        await this.append(finished);
        return finished;
      },
    };
  }

  /**
   * Writes the final line of a record another process started and left running (its console
   * died); see adopt.ts.
   */
  async finishRecord(
    record: OperationRecord,
    outcome: Exclude<OperationOutcome, 'running'>,
    message: string | null,
  ): Promise<OperationRecord> {
    const finished: OperationRecord = { ...record, endedAt: this.now(), outcome, message };
    await this.append(finished);
    return finished;
  }

  /** Actions this process started that are still running, oldest first. */
  running(): OperationRecord[] {
    return [...this.runningRecords.values()];
  }

  /** The newest entries, merged by id, newest start first. A damaged line is skipped. */
  async read(limit = MAX_ACTIVITY_ENTRIES): Promise<ActivityPage> {
    const bounded = Math.max(1, Math.min(limit, MAX_ACTIVITY_ENTRIES));
    const lines = this.path === null ? this.memory : await this.readLines(this.path);
    const byId = new Map<string, OperationRecord>();
    for (const record of lines) byId.set(record.id, record);
    const entries = [...byId.values()].sort((a, b) => b.startedAt - a.startedAt).slice(0, bounded);
    return { entries, path: this.path };
  }

  private append(record: OperationRecord): Promise<void> {
    if (this.path === null) {
      this.memory.push(record);
      return Promise.resolve();
    }
    const path = this.path;
    const line = `${JSON.stringify(record)}\n`;
    const write = this.tail.then(async () => {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await appendFile(path, line, { mode: 0o600 });
    });
    // A failed write must not block the next one; the caller still sees this one's error.
    this.tail = write.catch(() => {});
    return write;
  }

  private async readLines(path: string): Promise<OperationRecord[]> {
    let text: string;
    try {
      const { size } = await stat(path);
      const buffer = await readFile(path);
      text = buffer.subarray(Math.max(0, size - MAX_READ_BYTES)).toString('utf8');
      // Reading from the middle of the file: drop the partial first line.
      if (size > MAX_READ_BYTES) text = text.slice(text.indexOf('\n') + 1);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: OperationRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const value: unknown = JSON.parse(line);
        if (isRecord(value)) records.push(value);
      } catch {
        // A line cut short by a crash or edited by hand: the rest of the log still reads.
      }
    }
    return records;
  }
}

function isRecord(value: unknown): value is OperationRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<OperationRecord>;
  return (
    typeof record.id === 'string' &&
    typeof record.action === 'string' &&
    typeof record.startedAt === 'number' &&
    typeof record.outcome === 'string'
  );
}
