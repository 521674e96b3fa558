/**
 * Adding and removing nodes as the UI shows them: the add form's fields and their checks (the
 * same rules as the console's argument checks), and where a remove stands (drain → stop →
 * forget) from its audit record and the node's live view. Pure, for the dialogs and their tests.
 */
import type {
  AddNodeRequest,
  OperationOutcome,
  OperationRecord,
  ProvisionerInfo,
} from '../../main/common/models.js';
import { isSafeToStop, type ProgressSource } from './drain-progress.js';

/** A field of the add form. */
export interface AddField {
  readonly name: 'id' | 'host' | 'port';
  readonly label: string;
  readonly required: boolean;
  readonly hint: string;
}

/** The same rules as main/core/operations/args.ts (parseAddNodeArgs). */
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const HOST = /^[A-Za-z0-9.:[\]-]{1,253}$/;

const ADD_FIELDS: Readonly<Record<AddField['name'], AddField>> = {
  id: {
    name: 'id',
    label: 'Node id',
    required: false,
    hint: 'Optional: letters, digits, ".", "_", ":" or "-". Left empty, the next free node-N.',
  },
  host: {
    name: 'host',
    label: 'Host',
    required: true,
    hint: 'The host name or IP address the node runs on.',
  },
  port: { name: 'port', label: 'Port', required: true, hint: 'The port its clients connect to, 1–65535.' },
};

/** The fields the provisioner asks for: the id is optional (the next free node-N), host and port are not. */
export function addFormFields(info: ProvisionerInfo): AddField[] {
  return info.addFields.map((name) => ADD_FIELDS[name]);
}

/** The add form's request, or a message per field that is wrong. */
export type AddFormResult =
  | { readonly ok: true; readonly request: AddNodeRequest }
  | { readonly ok: false; readonly errors: Readonly<Partial<Record<AddField['name'], string>>> };

/** Checks the add form's text values. */
export function parseAddForm(
  fields: readonly AddField[],
  values: Readonly<Partial<Record<AddField['name'], string>>>,
): AddFormResult {
  const request: { id?: string; host?: string; port?: number } = {};
  const errors: Partial<Record<AddField['name'], string>> = {};
  for (const field of fields) {
    const text = (values[field.name] ?? '').trim();
    if (text === '') {
      if (field.required) errors[field.name] = `Enter the ${field.label.toLowerCase()}.`;
      continue;
    }
    if (field.name === 'id') {
      if (NODE_ID.test(text)) request.id = text;
      else errors.id = 'Use 1–128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit.';
    } else if (field.name === 'host') {
      if (HOST.test(text)) request.host = text;
      else errors.host = 'Enter a host name or an IP address, e.g. 10.0.0.7 or ws-4.internal.';
    } else {
      const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
      if (port >= 1 && port <= 65_535) request.port = port;
      else errors.port = 'Enter a port from 1 to 65535.';
    }
  }
  return Object.keys(errors).length === 0 ? { ok: true, request } : { ok: false, errors };
}

/** Who adds, stops and restarts the nodes, in a phrase: "the local launcher", "the fleet file's commands". */
export function describeProvisioner(info: Pick<ProvisionerInfo, 'kind'>): string {
  return info.kind === 'local' ? 'the local launcher' : "the fleet file's provisioner command";
}

/** Where a remove is, as the operator sees it. */
export type RemoveStage = 'draining' | 'stopping' | 'removed' | 'failed';

/**
 * The stage of a remove from its record's outcome and the node's live view (null once the
 * console has let go of it): draining until the node is empty, then stopping and forgetting.
 */
export function removeStage(outcome: OperationOutcome, view: ProgressSource | null): RemoveStage {
  if (outcome === 'succeeded') return 'removed';
  if (outcome === 'failed' || outcome === 'aborted') return 'failed';
  if (view === null || isSafeToStop(view)) return 'stopping';
  return 'draining';
}

/** The three steps a remove shows, in order. */
export const REMOVE_STEPS = [
  { step: 'drain', label: 'Drain' },
  { step: 'stop', label: 'Stop' },
  { step: 'forget', label: 'Forget' },
] as const;

/** A step's state in the progress list. */
export type StepState = 'done' | 'current' | 'pending' | 'failed';

/**
 * Each step's state: `failedAt` is the stage the remove was in when it failed (the step that
 * failed), null when it has not failed.
 */
export function removeStepStates(
  stage: RemoveStage,
  failedAt: Exclude<RemoveStage, 'removed' | 'failed'> | null,
): StepState[] {
  if (stage === 'removed') return ['done', 'done', 'done'];
  const at = stage === 'failed' ? (failedAt ?? 'draining') : stage;
  const current = at === 'draining' ? 0 : 1;
  return REMOVE_STEPS.map((_, index) => {
    if (index < current) return 'done';
    if (index > current) return 'pending';
    return stage === 'failed' ? 'failed' : 'current';
  });
}

/** The record with `id` among the activity log's entries, or null. */
export function findRecord(entries: readonly OperationRecord[], id: string): OperationRecord | null {
  return entries.find((entry) => entry.id === id) ?? null;
}
