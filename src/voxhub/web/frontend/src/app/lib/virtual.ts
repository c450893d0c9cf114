/**
 * Which rows of a long table to draw: only those in the scrolled viewport (plus a margin),
 * so a 50,000-row ISA table costs as much to show as a 50-row one. Rows have one height.
 */
export interface RowWindow {
  first: number;
  /** One past the last row to draw. */
  end: number;
  /** Space above and below the drawn rows, in pixels, keeping the scrollbar honest. */
  padTop: number;
  padBottom: number;
}

export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan = 10,
): RowWindow {
  if (total <= 0 || rowHeight <= 0) return { first: 0, end: 0, padTop: 0, padBottom: 0 };
  const first = Math.max(0, Math.min(total - 1, Math.floor(scrollTop / rowHeight) - overscan));
  const shown = Math.ceil(viewportHeight / rowHeight) + 2 * overscan;
  const end = Math.min(total, first + shown);
  return { first, end, padTop: first * rowHeight, padBottom: (total - end) * rowHeight };
}
