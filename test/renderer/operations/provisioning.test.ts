/** The add form's fields and checks, and where a remove stands, as the dialogs show them. */
import { describe, expect, it } from 'vitest';
import type { NodeView, OperationRecord } from '../../../main/common/models.js';
import {
  addFormFields,
  describeProvisioner,
  findRecord,
  parseAddForm,
  removeStage,
  removeStepStates,
} from '../../../renderer/operations/provisioning.js';

const info = (addFields: ReadonlyArray<'id' | 'host' | 'port'>) => ({
  kind: 'command' as const,
  canAdd: true,
  canRemove: true,
  canRestart: false,
  addFields,
});

type Source = Pick<NodeView, 'status' | 'connections' | 'rates' | 'drain' | 'statusSince'>;
const view = (status: NodeView['status'], open: number): Source => ({
  status,
  connections: { open, opened: open, closed: 0 },
  rates: null,
  drain: null,
  statusSince: 0,
});

describe('the add form', () => {
  it('shows the fields the provisioner asks for, the id optional', () => {
    expect(addFormFields(info([]))).toEqual([]);
    expect(addFormFields(info(['id', 'host', 'port'])).map((field) => [field.name, field.required])).toEqual([
      ['id', false],
      ['host', true],
      ['port', true],
    ]);
  });

  it('makes the request from what was typed, leaving an empty id out', () => {
    const fields = addFormFields(info(['id', 'host', 'port']));
    expect(parseAddForm(fields, { id: '', host: ' 10.0.0.7 ', port: '8080' })).toEqual({
      ok: true,
      request: { host: '10.0.0.7', port: 8080 },
    });
    expect(parseAddForm(fields, { id: 'ws-4', host: 'ws-4.internal', port: '443' })).toEqual({
      ok: true,
      request: { id: 'ws-4', host: 'ws-4.internal', port: 443 },
    });
    expect(parseAddForm([], {})).toEqual({ ok: true, request: {} });
  });

  it('says what is wrong with each field', () => {
    const fields = addFormFields(info(['id', 'host', 'port']));
    expect(parseAddForm(fields, { id: 'a b;rm', host: '', port: '70000' })).toEqual({
      ok: false,
      errors: {
        id: 'Use 1–128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit.',
        host: 'Enter the host.',
        port: 'Enter a port from 1 to 65535.',
      },
    });
    expect(parseAddForm(fields, { host: 'bad host!', port: '8o' })).toEqual({
      ok: false,
      errors: {
        host: 'Enter a host name or an IP address, e.g. 10.0.0.7 or ws-4.internal.',
        port: 'Enter a port from 1 to 65535.',
      },
    });
  });

  it('names who provisions', () => {
    expect(describeProvisioner({ kind: 'local' })).toBe('the local launcher');
    expect(describeProvisioner({ kind: 'command' })).toBe("the fleet file's provisioner command");
  });
});

describe('a remove in progress', () => {
  it('drains until the node is empty, then stops, then is removed', () => {
    expect(removeStage('running', view('active', 12))).toBe('draining');
    expect(removeStage('running', view('draining', 3))).toBe('draining');
    // Drained but a connection still reported: not empty yet.
    expect(removeStage('running', view('drained', 1))).toBe('draining');
    expect(removeStage('running', view('drained', 0))).toBe('stopping');
    // The console has let go of it: it is being stopped.
    expect(removeStage('running', null)).toBe('stopping');
    expect(removeStage('succeeded', null)).toBe('removed');
    expect(removeStage('failed', view('drained', 0))).toBe('failed');
    expect(removeStage('aborted', view('active', 4))).toBe('failed');
  });

  it('marks each step done, current, pending or failed', () => {
    expect(removeStepStates('draining', null)).toEqual(['current', 'pending', 'pending']);
    expect(removeStepStates('stopping', 'draining')).toEqual(['done', 'current', 'pending']);
    expect(removeStepStates('removed', 'stopping')).toEqual(['done', 'done', 'done']);
    expect(removeStepStates('failed', 'draining')).toEqual(['failed', 'pending', 'pending']);
    expect(removeStepStates('failed', 'stopping')).toEqual(['done', 'failed', 'pending']);
  });

  it('finds its record in the activity log', () => {
    const record = { id: 'b', outcome: 'succeeded' } as OperationRecord;
    expect(findRecord([{ id: 'a' } as OperationRecord, record], 'b')).toBe(record);
    expect(findRecord([record], 'c')).toBeNull();
  });
});
