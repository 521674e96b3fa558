/**
 * The fleet switcher: a "Switch fleet" button in the header that opens a modal dialog listing
 * recent and discovered fleets, with a path field to open any fleet file. A switch reaches the
 * rest of the UI through the stores (the console sends every window a reset delta of the new
 * fleet); the dialog only asks for it and closes on success. Also the empty state shown while
 * the console has no fleet open.
 */
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import type { ConsoleApi } from '../../main/common/console-api.js';
import type { FleetEntry, FleetList } from '../../main/common/models.js';
import { navigate, parseRoute } from '../router.js';
import { entrySummary, readableError } from './fleet-entries.js';
import './fleet-switcher.css';

/** The console calls the switcher makes. */
export type FleetSwitcherApi = Pick<ConsoleApi, 'listFleets' | 'openFleet'>;

/** How often the open fleet's state is asked again while its nodes come from DNS (a lookup may fail). */
const DNS_REFRESH_MS = 15_000;

type ListState =
  | { readonly phase: 'loading' }
  | { readonly phase: 'ready'; readonly list: FleetList }
  | { readonly phase: 'failed'; readonly message: string };

/** The fleet list, fetched on mount and whenever `key` changes; `refresh` asks again. Stale answers are dropped. */
function useFleetList(
  api: FleetSwitcherApi,
  key: unknown,
): { readonly state: ListState; readonly refresh: () => void } {
  const [state, setState] = useState<ListState>({ phase: 'loading' });
  const latest = useRef(0);
  const refresh = useCallback(() => {
    const asked = ++latest.current;
    api.listFleets().then(
      (list) => {
        if (asked === latest.current) setState({ phase: 'ready', list });
      },
      (error: unknown) => {
        if (asked === latest.current) setState({ phase: 'failed', message: readableError(error) });
      },
    );
  }, [api]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the reason to ask again.
  useEffect(() => {
    refresh();
    // Answers arriving after unmount are dropped too.
    return () => {
      latest.current += 1;
    };
  }, [refresh, key]);
  return { state, refresh };
}

function FleetEntryList({
  title,
  entries,
  empty,
  onOpen,
  now,
}: {
  readonly title: string;
  readonly entries: readonly FleetEntry[];
  readonly empty: string;
  readonly onOpen: (path: string) => void;
  readonly now: number;
}) {
  const headingId = useId();
  const detailsId = useId();
  return (
    <section className="fleet-switcher-section" aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      {entries.length === 0 ? (
        <p className="fleet-switcher-empty">{empty}</p>
      ) : (
        <ul className="fleet-entries">
          {entries.map((entry, index) => (
            <li key={entry.path}>
              <button
                type="button"
                className="fleet-entry"
                aria-label={`Open ${entry.name}`}
                aria-describedby={`${detailsId}-${index}`}
                data-problem={entry.problem === null ? undefined : 'true'}
                onClick={() => onOpen(entry.path)}
              >
                <span className="fleet-entry-name">{entry.name}</span>
                <span id={`${detailsId}-${index}`} className="fleet-entry-details">
                  <span className="fleet-entry-summary">{entrySummary(entry, now)}</span>
                  <span className="fleet-entry-path">{entry.path}</span>
                  {entry.problem !== null && (
                    <span className="fleet-entry-problem">Problem: {entry.problem}</span>
                  )}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Props of {@link FleetSwitcher}. */
export interface FleetSwitcherProps {
  readonly api: FleetSwitcherApi;
  /** The open fleet's name, null while none is open: when it changes the list is asked again. */
  readonly fleetName: string | null;
  /** The button's text. Default "Switch fleet". */
  readonly label?: string;
  /** Show the open fleet's problem (a failed DNS lookup) beside the button. Default true. */
  readonly showProblem?: boolean;
}

/** The "Switch fleet" button and its dialog. */
export function FleetSwitcher({
  api,
  fleetName,
  label = 'Switch fleet',
  showProblem = true,
}: FleetSwitcherProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const [isOpen, setIsOpen] = useState(false);
  const [path, setPath] = useState('');
  const [opening, setOpening] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { state, refresh } = useFleetList(api, fleetName);
  const titleId = useId();
  const inputId = useId();
  const errorId = useId();
  const current = state.phase === 'ready' ? state.list.current : null;

  // A DNS fleet's lookups can start failing at any time: keep its problem current.
  const pollDns = current?.source === 'dns';
  useEffect(() => {
    if (!pollDns) return;
    const timer = setInterval(refresh, DNS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [pollDns, refresh]);

  const show = () => {
    setError(null);
    refresh();
    setIsOpen(true);
    dialogRef.current?.showModal();
    inputRef.current?.focus();
  };

  const close = () => dialogRef.current?.close();

  // Escape, the close button, a click on the backdrop and a successful switch all end here.
  const handleClose = () => {
    setIsOpen(false);
    setError(null);
    buttonRef.current?.focus();
  };

  const openFleet = (target: string) => {
    if (opening) return;
    setOpening(true);
    setError(null);
    api.openFleet(target).then(
      () => {
        setOpening(false);
        setPath('');
        // The node on screen belongs to the old fleet; its list is the nearest useful place.
        if (parseRoute(window.location.hash).view === 'node') navigate({ view: 'nodes' });
        close();
      },
      (reason: unknown) => {
        setOpening(false);
        setError(readableError(reason));
        inputRef.current?.focus();
      },
    );
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (path.trim() === '') {
      setError('Enter the path of a fleet file, e.g. /home/me/fleets/prod.json');
      inputRef.current?.focus();
      return;
    }
    openFleet(path.trim());
  };

  const problem = showProblem ? (current?.problem ?? null) : null;
  const now = Date.now();

  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        className="fleet-switcher-button"
        aria-haspopup="dialog"
        aria-expanded={isOpen}
        onClick={show}
      >
        {label}
      </button>
      {problem !== null && (
        <span className="fleet-switcher-problem" title={problem}>
          Discovery problem: {problem}
        </span>
      )}
      {/* A click on the dialog element itself is a click on its backdrop: the content fills it. */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes the dialog natively. */}
      <dialog
        ref={dialogRef}
        className="fleet-switcher-dialog"
        aria-labelledby={titleId}
        aria-busy={opening}
        onClose={handleClose}
        onClick={(event) => {
          if (event.target === dialogRef.current) close();
        }}
      >
        <div className="fleet-switcher-content">
          <div className="fleet-switcher-head">
            <h2 id={titleId}>Switch fleet</h2>
            <button type="button" className="fleet-switcher-close" onClick={close}>
              Close
            </button>
          </div>
          {current !== null && (
            <div className="fleet-switcher-current">
              <span>
                Open now: <strong>{current.name}</strong>
              </span>
              <span className="fleet-entry-summary">{entrySummary(current, now)}</span>
              <span className="fleet-entry-path">{current.path}</span>
              {current.problem !== null && (
                <span className="fleet-entry-problem">Problem: {current.problem}</span>
              )}
            </div>
          )}
          <form className="fleet-switcher-form" onSubmit={submit} noValidate>
            <label htmlFor={inputId}>Open a fleet file</label>
            <div className="fleet-switcher-path-row">
              <input
                ref={inputRef}
                id={inputId}
                type="text"
                value={path}
                onChange={(event) => setPath(event.target.value)}
                placeholder="/path/to/fleet.json"
                spellCheck={false}
                autoComplete="off"
                aria-invalid={error !== null}
                aria-describedby={errorId}
              />
              <button type="submit" disabled={opening}>
                {opening ? 'Opening…' : 'Open'}
              </button>
            </div>
          </form>
          <div id={errorId} role="alert" className="fleet-switcher-error">
            {error}
          </div>
          {state.phase === 'loading' && (
            <p className="fleet-switcher-empty" aria-busy="true">
              Looking for fleets…
            </p>
          )}
          {state.phase === 'failed' && (
            <p className="fleet-switcher-empty">Could not list the fleets: {state.message}</p>
          )}
          {state.phase === 'ready' && (
            <>
              <FleetEntryList
                title="Recent"
                entries={state.list.recent}
                empty="No other fleet opened recently."
                onOpen={openFleet}
                now={now}
              />
              <FleetEntryList
                title="Discovered"
                entries={state.list.discovered}
                empty="No local fleet running. Start one with npm run fleet and it appears here."
                onOpen={openFleet}
                now={now}
              />
            </>
          )}
        </div>
      </dialog>
    </>
  );
}

/**
 * What the main area shows before the first fleet state arrives: "connecting" while that is
 * all we know, or, when the console has no fleet open, how to open one.
 */
export function NoFleetOpen({
  api,
  connected,
}: {
  readonly api: FleetSwitcherApi;
  readonly connected: boolean;
}) {
  // Asked again when the connection comes (back): the answer before it would be stale.
  const { state } = useFleetList(api, connected);
  if (state.phase !== 'ready' || state.list.current !== null) {
    return (
      <p className="placeholder" aria-busy="true">
        Connecting to the console…
      </p>
    );
  }
  return (
    <section className="no-fleet" aria-labelledby="no-fleet-heading">
      <h2 id="no-fleet-heading">No fleet is open</h2>
      <p>
        Open a fleet file: JSON that lists your nodes' admin endpoints (or a DNS name that resolves to them)
        and their tokens. A local fleet started with <code>npm run fleet</code> shows up under Discovered.
      </p>
      <FleetSwitcher api={api} fleetName={null} label="Open a fleet…" showProblem={false} />
    </section>
  );
}
