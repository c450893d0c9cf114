/** A table that draws only its visible rows (see lib/virtual.ts); headers stay in view. */
import { useState } from "preact/hooks";
import { visibleRows } from "../lib/virtual";

const ROW = 30;
const HEIGHT = 420;

export function VirtualTable({ headers, rows, label }: { headers: string[]; rows: string[][]; label: string }) {
  const [scrollTop, setScrollTop] = useState(0);
  const view = visibleRows(scrollTop, HEIGHT, ROW, rows.length);
  return (
    <div class="table-wrap virtual" style={{ maxHeight: `${HEIGHT}px` }} tabIndex={0} role="region"
      aria-label={`${label}: ${rows.length} rows`} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <table>
        <thead><tr>{headers.map((h, i) => <th key={i} scope="col">{h}</th>)}</tr></thead>
        <tbody>
          {view.padTop ? <tr style={{ height: `${view.padTop}px` }} aria-hidden="true" /> : null}
          {rows.slice(view.first, view.end).map((row, i) => (
            <tr key={view.first + i} style={{ height: `${ROW}px` }}>
              {row.map((cell, j) => <td key={j} class="small nowrap">{cell}</td>)}
            </tr>
          ))}
          {view.padBottom ? <tr style={{ height: `${view.padBottom}px` }} aria-hidden="true" /> : null}
        </tbody>
      </table>
    </div>
  );
}
