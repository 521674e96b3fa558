/**
 * A virtualized table's stand-in for the rows it does not render: it holds their height, so the
 * scrollbar is that of the whole table. Shared by the nodes and channels tables.
 */
export function SpacerRow({ height, columns }: { readonly height: number; readonly columns: number }) {
  if (height <= 0) return null;
  return (
    // biome-ignore lint/a11y/noAriaHiddenOnFocusable: not focusable (no tabindex, no content); the rule takes every row for a widget.
    <tr className="spacer-row" aria-hidden="true" style={{ height }}>
      <td colSpan={columns} />
    </tr>
  );
}
