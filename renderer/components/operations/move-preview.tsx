/**
 * What a drain or shed will do, before it is done: where the connections go, the pace, and the
 * capacity warnings (prominent, announced). Also the hook that fetches it, debounced.
 */
import { useEffect, useState } from 'react';
import type { MovePreview } from '../../../main/common/models.js';
import { formatCount, formatPercent } from '../../format.js';
import { describeMoves, describePace } from '../../operations/operation-format.js';
import { messageOf } from './use-operation.js';

/** The preview as fetched: none yet, on its way, here, or why not. */
export type PreviewState =
  | { readonly state: 'idle' }
  | { readonly state: 'loading'; readonly last: MovePreview | null }
  | { readonly state: 'ready'; readonly preview: MovePreview }
  | { readonly state: 'failed'; readonly error: string };

/** Wait after the last change before asking, ms: typing "120" asks once, not three times. */
export const PREVIEW_DEBOUNCE_MS = 300;

/**
 * Fetches `request()` `PREVIEW_DEBOUNCE_MS` after `key` last changed; `key` null (invalid input)
 * asks nothing. A late answer for an older key is dropped.
 */
export function useMovePreview(key: string | null, request: () => Promise<MovePreview>): PreviewState {
  const [state, setState] = useState<PreviewState>({ state: 'idle' });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names the request; `request` is a new closure every render.
  useEffect(() => {
    if (key === null) {
      setState({ state: 'idle' });
      return;
    }
    let current = true;
    setState((previous) => ({
      state: 'loading',
      last:
        previous.state === 'ready' ? previous.preview : previous.state === 'loading' ? previous.last : null,
    }));
    const timer = setTimeout(() => {
      request().then(
        (preview) => {
          if (current) setState({ state: 'ready', preview });
        },
        (error: unknown) => {
          if (current) setState({ state: 'failed', error: messageOf(error) });
        },
      );
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key]);
  return state;
}

function Targets({ preview }: { readonly preview: MovePreview }) {
  if (preview.targets.length === 0) return null;
  return (
    <table className="move-targets">
      <caption className="visually-hidden">Where the connections go</caption>
      <thead className="move-targets-head">
        <tr>
          <th scope="col">Node</th>
          <th scope="col" className="numeric">
            Connections now
          </th>
          <th scope="col" className="numeric">
            After
          </th>
          <th scope="col" className="numeric">
            CPU now → after
          </th>
        </tr>
      </thead>
      <tbody>
        {preview.targets.map((target) => (
          <tr key={target.nodeId} data-target={target.nodeId}>
            <th scope="row">{target.nodeId}</th>
            <td className="numeric">{formatCount(target.connectionsNow)}</td>
            <td className="numeric">
              {formatCount(target.connectionsAfter)}
              {target.connectionsAfter > target.connectionsNow && (
                <span className="move-delta">
                  {' '}
                  (+{formatCount(target.connectionsAfter - target.connectionsNow)})
                </span>
              )}
            </td>
            <td className="numeric">
              {target.cpuNow === null
                ? '—'
                : `${formatPercent(target.cpuNow)} → ${formatPercent(target.cpuAfter)}`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The preview, or its loading and error states. */
export function MovePreviewPanel({ state }: { readonly state: PreviewState }) {
  const preview = state.state === 'ready' ? state.preview : state.state === 'loading' ? state.last : null;
  return (
    <section className="move-preview" aria-label="What will happen" aria-busy={state.state === 'loading'}>
      {state.state === 'failed' && (
        <p className="operation-error" role="alert">
          Could not preview it: {state.error}
        </p>
      )}
      {preview === null && state.state !== 'failed' && (
        <p className="move-preview-waiting">
          {state.state === 'idle'
            ? 'Enter a valid amount and deadline to see what will happen.'
            : 'Working out what will happen…'}
        </p>
      )}
      {preview !== null && (
        <>
          {preview.warnings.length > 0 && (
            <div className="capacity-warnings" role="alert">
              <strong>Capacity warning{preview.warnings.length === 1 ? '' : 's'}</strong>
              <ul>
                {preview.warnings.map((warning) => (
                  <li key={warning}>{warning}</li>
                ))}
              </ul>
            </div>
          )}
          <p className="move-summary" data-preview="moves">
            {describeMoves(preview)}
          </p>
          <p className="move-pace" data-preview="pace">
            {describePace(preview)}
          </p>
          <Targets preview={preview} />
        </>
      )}
    </section>
  );
}
