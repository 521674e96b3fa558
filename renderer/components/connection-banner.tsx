import type { ConnectionStatus } from '../api/console-connection.js';

function banner(status: ConnectionStatus): {
  readonly tone: 'none' | 'warning' | 'error';
  readonly text: string;
} {
  switch (status.state) {
    case 'open':
      return { tone: 'none', text: '' };
    case 'connecting':
      return { tone: status.reason === null ? 'none' : 'warning', text: status.reason ?? '' };
    case 'closed':
      return { tone: status.willRetry ? 'warning' : 'error', text: status.reason };
  }
}

/**
 * The link's status, when there is something to say. The live region stays in the page (empty,
 * not hidden) when all is well: screen readers announce changes only to regions that already exist.
 */
export function ConnectionBanner({ status }: { readonly status: ConnectionStatus }) {
  const { tone, text } = banner(status);
  return (
    <div role="status" className="connection-banner" data-state={status.state} data-tone={tone}>
      {text}
    </div>
  );
}
