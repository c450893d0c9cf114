/**
 * The dashboard's search and filters: parsed from and written to the URL's query, turned
 * into the listing API's parameters, and summarised into facets for the filter menus.
 */
import type { Dataset } from "../api/types";

export interface DatasetFilter {
  q: string;
  tags: string[];
  status: string;
  organization: string;
  /** A folder id; null: every folder. */
  folder: number | null;
  includeSubfolders: boolean;
}

export const NO_FILTER: DatasetFilter = {
  q: "", tags: [], status: "", organization: "", folder: null, includeSubfolders: true,
};

export function parseFilter(search: string): DatasetFilter {
  const params = new URLSearchParams(search);
  const folder = Number.parseInt(params.get("folder") ?? "", 10);
  return {
    q: params.get("q") ?? "",
    tags: params.getAll("tag").filter(Boolean),
    status: params.get("status") ?? "",
    organization: params.get("org") ?? "",
    folder: Number.isFinite(folder) ? folder : null,
    includeSubfolders: params.get("sub") !== "0",
  };
}

/** The query string for a filter (empty parts left out), starting with `?` when not empty. */
export function filterQuery(filter: DatasetFilter): string {
  const params = new URLSearchParams();
  if (filter.q.trim()) params.set("q", filter.q.trim());
  for (const tag of filter.tags) params.append("tag", tag);
  if (filter.status) params.set("status", filter.status);
  if (filter.organization) params.set("org", filter.organization);
  if (filter.folder !== null) params.set("folder", String(filter.folder));
  if (!filter.includeSubfolders) params.set("sub", "0");
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The listing API's query parameters for a filter. */
export function listingQuery(filter: DatasetFilter): Record<string, unknown> {
  return {
    q: filter.q.trim() || undefined,
    tags: filter.tags.length ? filter.tags : undefined,
    status: filter.status || undefined,
    organization: filter.organization || undefined,
    folder: filter.folder ?? undefined,
    includeSubfolders: filter.folder !== null ? filter.includeSubfolders : undefined,
  };
}

export interface Facets {
  tags: [string, number][];
  statuses: [string, number][];
  organizations: [string, number][];
}

function counted(values: Iterable<string>): [string, number][] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Values present in a listing, most frequent first, for the filter menus. */
export function facets(datasets: Dataset[]): Facets {
  return {
    tags: counted(datasets.flatMap((d) => d.tags)),
    statuses: counted(datasets.map((d) => d.status)),
    organizations: counted(datasets.map((d) => d.organization)),
  };
}

/** `lab/name`: how the API's move route and the selection name a dataset. */
export function datasetKey(d: { organization: string; name: string }): string {
  return `${d.organization}/${d.name}`;
}

/**
 * The selection after a click: plain click selects one; Ctrl/Cmd toggles one; Shift
 * selects the range from the anchor (the last plainly or Ctrl-clicked row) to the row.
 */
export function nextSelection(
  order: string[],
  selected: string[],
  anchor: string | null,
  clicked: string,
  modifiers: { ctrl: boolean; shift: boolean },
): { selected: string[]; anchor: string } {
  if (modifiers.shift && anchor !== null && order.includes(anchor)) {
    const [a, b] = [order.indexOf(anchor), order.indexOf(clicked)].sort((x, y) => x - y);
    const range = order.slice(a, b + 1);
    const union = modifiers.ctrl ? [...new Set([...selected, ...range])] : range;
    return { selected: order.filter((k) => union.includes(k)), anchor };
  }
  if (modifiers.ctrl) {
    const has = selected.includes(clicked);
    const next = has ? selected.filter((k) => k !== clicked) : [...selected, clicked];
    return { selected: order.filter((k) => next.includes(k)), anchor: clicked };
  }
  return { selected: [clicked], anchor: clicked };
}

/** Tags typed as `a, b  c` → `["a", "b", "c"]` (trimmed, de-duplicated, order kept). */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[,\s]+/).map((t) => t.trim()).filter(Boolean))];
}
