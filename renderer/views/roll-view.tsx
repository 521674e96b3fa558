import { useCallback, useEffect, useRef, useState } from 'react';
import type { OperationsSnapshot, RollPlan } from '../../main/common/models.js';
import type { ViewApi } from '../app.js';
import { isRollLive, progressLabel } from '../components/roll/roll-model.js';
import { RollPlanner } from '../components/roll/roll-planner.js';
import { RollProgress } from '../components/roll/roll-progress.js';
import { formatClock } from '../format.js';
import { useFleetNodes } from '../stores/fleet-hooks.js';
import type { FleetStore } from '../stores/fleet-store.js';
import '../components/roll/roll.css';

/** How often the roll is read while one runs, and otherwise, ms. */
const LIVE_POLL_MS = 250;
const IDLE_POLL_MS = 3_000;

type Operations =
  | { readonly phase: 'loading' }
  | { readonly phase: 'ready'; readonly snapshot: OperationsSnapshot }
  | { readonly phase: 'failed'; readonly message: string; readonly snapshot: OperationsSnapshot | null };

/**
 * `getOperations` now and then, faster while a roll runs. `adopt` puts a plan a request returned
 * in place at once, so Start and the controls answer without waiting for the next read.
 */
function useOperations(api: Pick<ViewApi, 'getOperations'>): {
  readonly state: Operations;
  readonly adopt: (plan: RollPlan) => void;
} {
  const [state, setState] = useState<Operations>({ phase: 'loading' });
  /** Reads at once (after Start or a control), instead of at the next poll. */
  const readNow = useRef<() => void>(() => {});
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = () => {
      clearTimeout(timer);
      api.getOperations().then(
        (snapshot) => {
          if (stopped) return;
          setState({ phase: 'ready', snapshot });
          clearTimeout(timer);
          timer = setTimeout(read, isRollLive(snapshot.roll) ? LIVE_POLL_MS : IDLE_POLL_MS);
        },
        (error: unknown) => {
          if (stopped) return;
          const message = error instanceof Error ? error.message : String(error);
          setState((previous) => ({
            phase: 'failed',
            message,
            snapshot: previous.phase === 'loading' ? null : previous.snapshot,
          }));
          clearTimeout(timer);
          timer = setTimeout(read, IDLE_POLL_MS);
        },
      );
    };
    readNow.current = read;
    read();
    return () => {
      stopped = true;
      readNow.current = () => {};
      clearTimeout(timer);
    };
  }, [api]);
  const adopt = useCallback((plan: RollPlan) => {
    setState((previous) =>
      previous.phase !== 'loading' && previous.snapshot !== null
        ? { phase: 'ready', snapshot: { ...previous.snapshot, roll: plan } }
        : previous,
    );
    readNow.current();
  }, []);
  return { state, adopt };
}

/** Rolling drain: plan one, then watch it step by step, with pause, resume and abort. */
export function RollView({ store, api }: { readonly store: FleetStore; readonly api: ViewApi }) {
  const nodes = useFleetNodes(store);
  const { state, adopt } = useOperations(api);
  // The roll whose result the operator is looking at; a roll that ended before they came is summarised only.
  const [viewing, setViewing] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const snapshot = state.phase === 'loading' ? null : state.snapshot;
  const roll = snapshot?.roll ?? null;
  const showProgress = roll !== null && (isRollLive(roll) || roll.id === viewing);

  return (
    <section aria-labelledby="roll-heading" className="roll-view">
      <h2 id="roll-heading" ref={headingRef} tabIndex={-1}>
        Rolling drain
      </h2>
      {state.phase === 'failed' && (
        <p className="operation-error" role="alert">
          Could not read the operations: {state.message}
        </p>
      )}
      {state.phase === 'loading' && <p className="placeholder">Loading…</p>}
      {snapshot !== null &&
        (showProgress ? (
          <RollProgress
            plan={roll}
            nodes={nodes}
            api={api}
            onChange={adopt}
            onPlanAnother={() => {
              setViewing(null);
              headingRef.current?.focus();
            }}
          />
        ) : (
          <>
            {roll !== null && (
              <p className="roll-last">
                Last roll: <strong>{roll.state}</strong>
                {roll.endedAt !== null ? ` at ${formatClock(roll.endedAt)}` : ''}, {progressLabel(roll)}.{' '}
                <button
                  type="button"
                  className="operation-button is-small"
                  onClick={() => setViewing(roll.id)}
                >
                  Show it
                </button>
              </p>
            )}
            <RollPlanner
              nodes={nodes}
              provisioner={snapshot.provisioner}
              api={api}
              onStarted={(plan) => {
                setViewing(plan.id);
                adopt(plan);
              }}
            />
          </>
        ))}
    </section>
  );
}
