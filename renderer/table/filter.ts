/**
 * The nodes table's filter language. Terms are separated by spaces and all must match:
 *
 *   node-2            a free word: id, state, version, host or name contains it (any case)
 *   "eu west"         a quoted phrase, the same
 *   state:draining    a column compared with a value; `state:drain` matches draining and drained
 *   version:1.2       text columns: `:` contains, `=` equals, `!=` differs; ids and versions also
 *                     compare in natural order with < <= > >=
 *   connections>100   figures: > >= < <= = != (and `:` for =), with units where they help:
 *                     1.5k, 200MB, 10MB/s, 20ms, 1s, 50% (or 0.5 of a core), 10m, 1h30m
 *   -state:active     a leading minus negates a term
 *
 * Parsing never throws: a term it cannot read yields a sentence for the operator instead.
 */
import { NODE_STATUSES, type NodeStatus, type NodeView } from '../../main/common/models.js';
import { compareNodeIds } from '../stores/fleet-store.js';
import { COLUMNS, type ColumnKey, type ColumnSpec, numericValue, versionOf } from './columns.js';
import { compareVersions } from './sorting.js';

/** A comparison between a node's figure or text and the term's value. */
export type Comparison = '>' | '>=' | '<' | '<=' | '=' | '!=' | ':';

/** One parsed term. */
export type FilterTerm =
  | { readonly kind: 'word'; readonly negated: boolean; readonly word: string }
  | { readonly kind: 'state'; readonly negated: boolean; readonly statuses: readonly NodeStatus[] }
  | {
      readonly kind: 'text';
      readonly negated: boolean;
      readonly field: 'id' | 'version' | 'host';
      readonly comparison: Comparison;
      /** Lower case for `:`; as typed otherwise. */
      readonly value: string;
    }
  | {
      readonly kind: 'number';
      readonly negated: boolean;
      readonly column: ColumnKey;
      readonly comparison: Exclude<Comparison, ':'>;
      /** In the column's base unit: bytes, bytes/s, ms, share of a core, ms of uptime. */
      readonly value: number;
    };

/** A parsed filter: every term must match. No terms matches every node. */
export interface NodeFilter {
  readonly terms: readonly FilterTerm[];
}

/** What {@link parseFilter} made of the text. */
export type FilterParse =
  | { readonly ok: true; readonly filter: NodeFilter }
  | { readonly ok: false; readonly message: string };

/** Matches every node. */
export const EMPTY_FILTER: NodeFilter = { terms: [] };

/** Example terms, for the filter box's placeholder. */
export const FILTER_EXAMPLES = 'node-2  state:draining  connections>100  cpu>50%  uptime<10m';

type Field = { readonly type: 'column'; readonly column: ColumnSpec } | { readonly type: 'host' };

const FIELDS = new Map<string, Field>();
for (const column of COLUMNS) {
  for (const name of column.filterNames) FIELDS.set(name, { type: 'column', column });
}
FIELDS.set('host', { type: 'host' });

const FIELD_LIST = `${COLUMNS.map((column) => column.filterNames[0]).join(', ')} or host`;

// A key and its comparison: `connections>`, `state:`, `cpu >= `.
const KEY_COMPARISON = /([A-Za-z][\w-]*)\s*(>=|<=|!=|>|<|=|:)\s*/y;
const BARE_TOKEN = /[^\s]+/y;
const SPACES = /\s*/y;

function quote(text: string): string {
  return `“${text}”`;
}

class FilterError extends Error {}

/** Reads a quoted phrase or a bare token at `position`; returns it and where it ends. */
function readValue(text: string, position: number): { readonly value: string; readonly end: number } {
  if (text[position] === '"') {
    const close = text.indexOf('"', position + 1);
    if (close < 0) throw new FilterError(`The quote in ${quote(text.slice(position))} is not closed.`);
    return { value: text.slice(position + 1, close), end: close + 1 };
  }
  BARE_TOKEN.lastIndex = position;
  const match = BARE_TOKEN.exec(text);
  return match ? { value: match[0], end: BARE_TOKEN.lastIndex } : { value: '', end: position };
}

/** Parses `text` into a filter, or says what is wrong with it in one sentence. */
export function parseFilter(text: string): FilterParse {
  try {
    return { ok: true, filter: { terms: readTerms(text) } };
  } catch (error) {
    if (error instanceof FilterError) return { ok: false, message: error.message };
    throw error;
  }
}

function readTerms(text: string): FilterTerm[] {
  const terms: FilterTerm[] = [];
  let position = 0;
  for (;;) {
    SPACES.lastIndex = position;
    SPACES.exec(text);
    position = SPACES.lastIndex;
    if (position >= text.length) return terms;
    const start = position;
    let negated = false;
    if (text[position] === '-' && position + 1 < text.length && !/\s/.test(text[position + 1] as string)) {
      negated = true;
      position += 1;
    }
    KEY_COMPARISON.lastIndex = position;
    const keyMatch = KEY_COMPARISON.exec(text);
    if (keyMatch) {
      const { value, end } = readValue(text, KEY_COMPARISON.lastIndex);
      const term = text.slice(start, end);
      terms.push(
        fieldTerm(term, negated, (keyMatch[1] as string).toLowerCase(), keyMatch[2] as Comparison, value),
      );
      position = end;
    } else {
      const { value, end } = readValue(text, position);
      if (value.length > 0) terms.push({ kind: 'word', negated, word: value.toLowerCase() });
      position = Math.max(end, position + 1);
    }
  }
}

function fieldTerm(
  term: string,
  negated: boolean,
  name: string,
  comparison: Comparison,
  value: string,
): FilterTerm {
  const field = FIELDS.get(name);
  if (field === undefined) {
    throw new FilterError(`Unknown column ${quote(name)} in ${quote(term)}. Filter by ${FIELD_LIST}.`);
  }
  if (value.length === 0) throw new FilterError(`${quote(term)} needs a value after ${quote(comparison)}.`);
  if (field.type === 'host') return textTerm(term, negated, 'host', comparison, value, false);
  const { column } = field;
  switch (column.kind) {
    case 'id':
      return textTerm(term, negated, 'id', comparison, value, true);
    case 'version':
      return textTerm(term, negated, 'version', comparison, value, true);
    case 'state':
      return stateTerm(term, negated, comparison, value);
    default: {
      const numeric = parseQuantity(column, value);
      if (typeof numeric === 'string') throw new FilterError(`${quote(term)}: ${numeric}`);
      return {
        kind: 'number',
        negated,
        column: column.key,
        comparison: comparison === ':' ? '=' : comparison,
        value: numeric,
      };
    }
  }
}

function textTerm(
  term: string,
  negated: boolean,
  field: 'id' | 'version' | 'host',
  comparison: Comparison,
  value: string,
  ordered: boolean,
): FilterTerm {
  if (!ordered && comparison !== ':' && comparison !== '=' && comparison !== '!=') {
    throw new FilterError(`${quote(term)}: ${field} takes : (contains), = or !=.`);
  }
  return {
    kind: 'text',
    negated,
    field,
    comparison,
    value: comparison === ':' ? value.toLowerCase() : value,
  };
}

function stateTerm(term: string, negated: boolean, comparison: Comparison, value: string): FilterTerm {
  if (comparison !== ':' && comparison !== '=' && comparison !== '!=') {
    throw new FilterError(`${quote(term)}: state takes : or != and a state, like state:draining.`);
  }
  const statuses = new Set<NodeStatus>();
  for (const part of value.toLowerCase().split(',')) {
    const matching = NODE_STATUSES.filter((status) => part.length > 0 && status.startsWith(part));
    if (matching.length === 0) {
      throw new FilterError(`${quote(term)}: no state ${quote(part)}. States: ${NODE_STATUSES.join(', ')}.`);
    }
    for (const status of matching) statuses.add(status);
  }
  return { kind: 'state', negated: comparison === '!=' ? !negated : negated, statuses: [...statuses] };
}

const NUMBER = /^(\d+(?:\.\d*)?|\.\d+)\s*([a-zµ%/]*)$/i;

const COUNT_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };
const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};
const MILLISECOND_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, us: 1e-3, µs: 1e-3 };
const DURATION_UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A figure in the column's base unit, or why the value cannot be one. */
export function parseQuantity(column: ColumnSpec, rawValue: string): number | string {
  const name = column.filterNames[0];
  const value = rawValue.replaceAll(',', '');
  if (column.kind === 'duration') return parseDuration(name, value);
  const match = NUMBER.exec(value);
  const amount = match ? Number(match[1]) : Number.NaN;
  let unit = (match?.[2] ?? '').toLowerCase();
  if (!match || !Number.isFinite(amount)) return `${name} needs a number, like ${column.filterExample}.`;
  if ((column.kind === 'rate' || column.kind === 'byte-rate') && unit.endsWith('/s'))
    unit = unit.slice(0, -2);
  let scale: number | undefined;
  switch (column.kind) {
    case 'count':
    case 'rate':
      scale = COUNT_UNITS[unit];
      break;
    case 'byte-rate':
      scale = BYTE_UNITS[unit];
      break;
    case 'bytes':
      if (unit === '' && amount !== 0) return 'give memory a unit, like memory>200MB.';
      scale = BYTE_UNITS[unit];
      break;
    case 'milliseconds':
      scale = MILLISECOND_UNITS[unit];
      break;
    case 'share':
      if (unit === '%') return amount / 100;
      if (unit === '' && amount > 1) {
        return `CPU is a share of one core (1 = a full core): write cpu>${amount}% or cpu>${amount / 100}.`;
      }
      scale = unit === '' ? 1 : undefined;
      break;
    default:
      scale = undefined;
  }
  if (scale === undefined)
    return `${quote(match[2] ?? '')} is not a unit ${name} takes; try ${column.filterExample}.`;
  return amount * scale;
}

const DURATION_PART = /(\d+(?:\.\d+)?)([a-z]+)/y;

function parseDuration(name: string, value: string): number | string {
  const example = `like ${name}<10m, ${name}>2h or ${name}<1h30m`;
  if (/^\d+(?:\.\d+)?$/.test(value)) return `give ${name} a unit (s, m, h, d), ${example}.`;
  let total = 0;
  let position = 0;
  const lower = value.toLowerCase();
  while (position < lower.length) {
    DURATION_PART.lastIndex = position;
    const part = DURATION_PART.exec(lower);
    const scale = part ? DURATION_UNITS[part[2] as string] : undefined;
    if (!part || scale === undefined) return `${name} needs a duration, ${example}.`;
    total += Number(part[1]) * scale;
    position = DURATION_PART.lastIndex;
  }
  return total;
}

function compare(order: number, comparison: Comparison): boolean {
  switch (comparison) {
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '=':
    case ':':
      return order === 0;
    case '!=':
      return order !== 0;
  }
}

function textOf(node: NodeView, field: 'id' | 'version' | 'host'): string | null {
  switch (field) {
    case 'id':
      return node.id;
    case 'version':
      return versionOf(node);
    case 'host':
      return node.identity?.host ?? null;
  }
}

function matchesText(node: NodeView, term: Extract<FilterTerm, { kind: 'text' }>): boolean {
  const text = textOf(node, term.field);
  if (text === null) return false;
  if (term.comparison === ':') return text.toLowerCase().includes(term.value);
  if (term.comparison === '=' || term.comparison === '!=') {
    const equal = text.toLowerCase() === term.value.toLowerCase();
    return term.comparison === '=' ? equal : !equal;
  }
  const order = term.field === 'id' ? compareNodeIds(text, term.value) : compareVersions(text, term.value);
  return compare(order, term.comparison);
}

function matchesWord(node: NodeView, word: string): boolean {
  const { identity } = node;
  return [node.id, node.status, identity?.version, identity?.host, identity?.name].some(
    (text) => text?.toLowerCase().includes(word) ?? false,
  );
}

function matchesTerm(node: NodeView, term: FilterTerm, now: number): boolean {
  switch (term.kind) {
    case 'word':
      return matchesWord(node, term.word);
    case 'state':
      return term.statuses.includes(node.status);
    case 'text':
      return matchesText(node, term);
    case 'number': {
      // A node without the figure matches no comparison (a negated term takes it in).
      const figure = numericValue(node, term.column, now);
      return figure !== null && compare(figure - term.value, term.comparison);
    }
  }
}

/** True when `node` matches every term at `now` (epoch ms, for uptime). */
export function matchesFilter(node: NodeView, filter: NodeFilter, now: number): boolean {
  return filter.terms.every((term) => matchesTerm(node, term, now) !== term.negated);
}

/** The nodes that match, in the given order; the same array when the filter is empty. */
export function filterNodes(
  nodes: readonly NodeView[],
  filter: NodeFilter,
  now: number,
): readonly NodeView[] {
  if (filter.terms.length === 0) return nodes;
  return nodes.filter((node) => matchesFilter(node, filter, now));
}
