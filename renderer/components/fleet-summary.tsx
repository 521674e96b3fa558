import { formatCount } from '../format.js';
import type { FleetSummary as Summary } from '../stores/fleet-hooks.js';

function plural(count: number, singular: string, pluralForm: string): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`;
}

/** One line of totals: "3 nodes · 2 active · 1,234 connections". */
export function FleetSummary({ summary }: { readonly summary: Summary }) {
  return (
    <p className="fleet-summary">
      <span data-summary="nodes">{plural(summary.nodeCount, 'node', 'nodes')}</span>
      <span aria-hidden="true"> · </span>
      <span data-summary="active">{formatCount(summary.activeCount)} active</span>
      <span aria-hidden="true"> · </span>
      <span data-summary="connections">{plural(summary.connectionCount, 'connection', 'connections')}</span>
    </p>
  );
}
