/** Reading the console's audit log (`audit.jsonl` in a data directory) in tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationRecord } from '../../main/common/models.js';

/** Every line of the audit log in `dataDir`, in order; none when there is no log yet. */
export function auditLines(dataDir: string): OperationRecord[] {
  let text = '';
  try {
    text = readFileSync(join(dataDir, 'audit.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OperationRecord);
}

/** The audit log's records merged by id, the last line of each winning (as the console reads it). */
export function auditRecords(dataDir: string): OperationRecord[] {
  const byId = new Map<string, OperationRecord>();
  for (const record of auditLines(dataDir)) byId.set(record.id, record);
  return [...byId.values()];
}
