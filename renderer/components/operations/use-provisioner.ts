/**
 * Hooks of the add and remove controls: what the fleet's provisioner can do (from
 * getOperations), and the end of an add or remove, followed through the running operations and
 * then the activity log.
 */
import { useEffect, useState } from 'react';
import type { OperationOutcome, OperationRecord, ProvisionerInfo } from '../../../main/common/models.js';
import type { ViewApi } from '../../app.js';
import { findRecord } from '../../operations/provisioning.js';
import { messageOf } from './use-operation.js';

/** What the provisioner can do, as far as the console has said. */
export type ProvisionerState =
  | { readonly state: 'loading' }
  | { readonly state: 'ready'; readonly fleet: string; readonly info: ProvisionerInfo | null }
  | { readonly state: 'failed'; readonly error: string };

/** The fleet's provisioner, asked again whenever `fleetKey` changes (a fleet switch). */
export function useProvisioner(api: Pick<ViewApi, 'getOperations'>, fleetKey: string): ProvisionerState {
  const [state, setState] = useState<ProvisionerState>({ state: 'loading' });
  useEffect(() => {
    let stopped = false;
    setState({ state: 'loading' });
    api.getOperations().then(
      (snapshot) => {
        if (!stopped) setState({ state: 'ready', fleet: fleetKey, info: snapshot.provisioner });
      },
      (error: unknown) => {
        if (!stopped) setState({ state: 'failed', error: messageOf(error) });
      },
    );
    return () => {
      stopped = true;
    };
  }, [api, fleetKey]);
  return state;
}

/** How an operation ended, or `running`. */
export interface OperationEnd {
  readonly outcome: OperationOutcome;
  readonly message: string | null;
}

/** Time between two checks of a running operation, ms. */
export const OUTCOME_POLL_MS = 1_000;

/**
 * Follows `record` (null: nothing to follow) until it ends: while the console lists it among the
 * running operations it is running; then its final line in the activity log tells how it ended.
 */
export function useOperationEnd(
  api: Pick<ViewApi, 'getOperations' | 'getActivity'>,
  record: OperationRecord | null,
): OperationEnd | null {
  const [end, setEnd] = useState<OperationEnd | null>(null);
  useEffect(() => {
    if (record === null) {
      setEnd(null);
      return;
    }
    setEnd({ outcome: record.outcome, message: record.message });
    if (record.outcome !== 'running') return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const snapshot = await api.getOperations();
        if (stopped) return;
        if (!snapshot.running.some((running) => running.id === record.id)) {
          const page = await api.getActivity(200);
          if (stopped) return;
          const final = findRecord(page.entries, record.id);
          if (final !== null && final.outcome !== 'running') {
            setEnd({ outcome: final.outcome, message: final.message });
            return;
          }
        }
      } catch {
        // The link to the console dropped; it reconnects, and the next poll asks again.
      }
      if (!stopped) timer = setTimeout(poll, OUTCOME_POLL_MS);
    };
    timer = setTimeout(poll, OUTCOME_POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, record]);
  return end;
}
