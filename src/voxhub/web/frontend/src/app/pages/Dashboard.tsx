/**
 * The datasets the visitor may see: search and filters (kept in the URL), the folder tree,
 * a list with multi-select and drag-to-folder, and the selected dataset's details. The
 * list is polled so a conversion finishing or a dataset going missing shows by itself.
 */
import { useMemo, useState } from "preact/hooks";
import { call } from "../api/client";
import type { Dataset, Folder, Team } from "../api/types";
import { DatasetDetails, thumbnailUrl } from "../components/DatasetDetails";
import { DRAG_TYPE, FolderTree } from "../components/FolderTree";
import { Dialog, Empty, ErrorNote, Loading, Notice } from "../components/ui";
import { LoginForm } from "./Login";
import {
  type DatasetFilter,
  datasetKey,
  facets,
  filterQuery,
  listingQuery,
  nextSelection,
  parseFilter,
} from "../lib/filters";
import { formatBytes, formatDay, formatVoxelSize } from "../lib/format";
import { moveFocus } from "../lib/keys";
import { navigate, useAction, useLoad, usePoll } from "../lib/hooks";
import { BASE, href } from "../lib/route";
import { isAdmin, useSession } from "../session";

const POLL_MS = 5000;

function MoveDialog({ keys, folders, onClose, onMove }: {
  keys: string[];
  folders: Folder[];
  onClose: () => void;
  onMove: (folderId: number) => void;
}) {
  const editable = folders.filter((f) => f.isEditable);
  const [target, setTarget] = useState(editable[0]?.id ?? 0);
  return (
    <Dialog title={`Move ${keys.length} dataset${keys.length > 1 ? "s" : ""}`} open onClose={onClose}>
      <form class="form" onSubmit={(e) => { e.preventDefault(); onMove(target); onClose(); }}>
        <label>
          Folder
          <select value={target} onChange={(e) => setTarget(Number(e.currentTarget.value))}>
            {editable.map((f) => <option key={f.id} value={f.id}>{f.path}</option>)}
          </select>
        </label>
        <div class="buttons">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary">Move</button>
        </div>
      </form>
    </Dialog>
  );
}

export function DashboardPage() {
  const { me } = useSession();
  const filter = parseFilter(location.search);
  const query = filterQuery(filter);
  const [selected, setSelected] = useState<string[]>([]);
  const [anchor, setAnchor] = useState<string | null>(null);
  const [moving, setMoving] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [searchText, setSearchText] = useState(filter.q);
  const action = useAction();

  const listing = useLoad(
    () => call("get", "/api/v1/datasets", { query: listingQuery(filter) as never }),
    [query],
  );
  const tree = useLoad(
    async (): Promise<{ folders: Folder[]; teams: Team[] }> => {
      if (!me) return { folders: [], teams: [] };
      const [folders, teams] = await Promise.all([
        call("get", "/api/v1/folders/tree"),
        call("get", "/api/v1/teams"),
      ]);
      return { folders, teams };
    },
    [me?.id],
  );
  // The whole visible listing (unfiltered) feeds the filter menus.
  const everything = useLoad(() => call("get", "/api/v1/datasets"), [me?.id]);
  usePoll(() => {
    void listing.reload();
  }, POLL_MS);

  const datasets = listing.data ?? [];
  const order = datasets.map(datasetKey);
  const chosen = datasets.filter((d) => selected.includes(datasetKey(d)));
  const menus = useMemo(() => facets(everything.data ?? []), [everything.data]);

  const setFilter = (patch: Partial<DatasetFilter>) => {
    navigate(`${BASE}/${filterQuery({ ...filter, ...patch })}`, true);
  };
  const replaceDataset = (updated: Dataset) => {
    listing.set(datasets.map((d) => (datasetKey(d) === datasetKey(updated) ? updated : d)));
  };
  const move = async (folderId: number, keys: string[]) => {
    const moved = await action.run(() =>
      call("post", "/api/v1/datasets/move", { json: { datasets: keys, folderId } }),
    );
    if (moved) {
      const folder = tree.data?.folders.find((f) => f.id === folderId);
      setNote(`Moved ${keys.length} dataset${keys.length > 1 ? "s" : ""} to ${folder?.path ?? "the folder"}.`);
      await listing.reload();
    }
  };
  const scan = async () => {
    setNote(null);
    const report = await action.run(() => call("post", "/api/v1/scan"));
    if (report) {
      const problems = Object.keys(report.errors).length;
      setNote(`Scanned the data folder: ${report.active.length} datasets, ${report.missing.length} missing` +
        (problems ? `, ${problems} unreadable (${Object.entries(report.errors).map(([k, v]) => `${k}: ${v}`).join("; ")})` : "") + ".");
      await Promise.all([listing.reload(), everything.reload()]);
    }
  };
  const click = (event: MouseEvent | KeyboardEvent, key: string) => {
    const next = nextSelection(order, selected, anchor, key, {
      ctrl: event.ctrlKey || event.metaKey,
      shift: event.shiftKey,
    });
    setSelected(next.selected);
    setAnchor(next.anchor);
  };

  const folders = tree.data?.folders ?? [];
  return (
    <main class="dashboard">
      {me ? (
        <aside class="sidebar left">
          {tree.error ? <ErrorNote error={tree.error} /> : null}
          {tree.data ? (
            <FolderTree folders={folders} teams={tree.data.teams} current={filter.folder}
              onSelect={(id) => setFilter({ folder: id })} onChanged={() => void tree.reload()}
              onDrop={(id, keys) => void move(id, keys)} />
          ) : <Loading what="Loading folders" />}
        </aside>
      ) : (
        <aside class="sidebar left" aria-label="Log in">
          <h2 class="sidebar-title">Log in to see your datasets</h2>
          <LoginForm next={null} />
        </aside>
      )}
      <section class="listing" aria-label="Datasets">
        <div class="toolbar">
          <h1>Datasets</h1>
          <div class="buttons">
            {isAdmin(me) ? <button type="button" onClick={scan} disabled={action.busy}>Scan disk</button> : null}
            {me ? <a class="button primary" href={href({ page: "add", tab: "upload" })}>Add dataset</a> : null}
          </div>
        </div>
        <div class="finder">
          <form role="search" class="search" onSubmit={(e) => {
            e.preventDefault();
            setFilter({ q: searchText });
          }}>
            <label class="sr-only" for="search">Search datasets</label>
            <input id="search" type="search" placeholder="Search names, descriptions, tags, ISA terms"
              value={searchText} onInput={(e) => setSearchText(e.currentTarget.value)} />
            <button type="submit">Search</button>
          </form>
          <div class="filters">
            <label>
              {filter.tags.length ? "And tag" : "Tag"}
              <select value=""
                onChange={(e) => {
                  const tag = e.currentTarget.value;
                  if (tag && !filter.tags.includes(tag)) setFilter({ tags: [...filter.tags, tag] });
                }}>
                <option value="">{filter.tags.length ? "Add a tag…" : "Any"}</option>
                {menus.tags.filter(([tag]) => !filter.tags.includes(tag)).map(([tag, n]) => (
                  <option key={tag} value={tag}>{tag} ({n})</option>
                ))}
              </select>
            </label>
            <label>
              Status
              <select value={filter.status} onChange={(e) => setFilter({ status: e.currentTarget.value })}>
                <option value="">Any</option>
                {menus.statuses.map(([s, n]) => <option key={s} value={s}>{s} ({n})</option>)}
              </select>
            </label>
            {menus.organizations.length > 1 ? (
              <label>
                Organization
                <select value={filter.organization}
                  onChange={(e) => setFilter({ organization: e.currentTarget.value })}>
                  <option value="">Any</option>
                  {menus.organizations.map(([o, n]) => <option key={o} value={o}>{o} ({n})</option>)}
                </select>
              </label>
            ) : null}
          </div>
        </div>
        {filter.tags.length ? (
          <ul class="chips" aria-label="Tag filters (datasets with all of them)">
            {filter.tags.map((tag) => (
              <li key={tag}>
                <span class="tag">{tag}</span>
                <button type="button" class="icon" aria-label={`Remove tag filter ${tag}`}
                  onClick={() => setFilter({ tags: filter.tags.filter((t) => t !== tag) })}>×</button>
              </li>
            ))}
          </ul>
        ) : null}
        {note ? <Notice>{note}</Notice> : null}
        <ErrorNote error={action.error ?? listing.error} />
        {selected.length > 1 ? (
          <div class="bulk" role="region" aria-label="Selection">
            {selected.length} selected
            {me ? <button type="button" onClick={() => setMoving(true)}>Move to folder…</button> : null}
            <button type="button" onClick={() => setSelected([])}>Clear selection</button>
          </div>
        ) : null}
        {listing.data === undefined && !listing.error ? <Loading what="Loading datasets" /> : null}
        {listing.data && !datasets.length ? (
          <Empty>
            {query ? "No dataset matches." : me ? "No datasets yet. Add one with “Add dataset”."
              : "No public datasets. Log in to see yours."}
          </Empty>
        ) : null}
        {datasets.length ? (
          <div class="table-wrap">
            <table class="datasets" aria-multiselectable="true">
              <thead>
                <tr>
                  <th scope="col"><span class="sr-only">Thumbnail</span></th>
                  <th scope="col">Name</th>
                  <th scope="col">Tags</th>
                  <th scope="col" class="col-extra">Layers</th>
                  <th scope="col" class="col-extra">Voxel size</th>
                  <th scope="col" class="col-extra">Size</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="col-extra">Created</th>
                </tr>
              </thead>
              <tbody>
                {datasets.map((d) => {
                  const key = datasetKey(d);
                  const isSelected = selected.includes(key);
                  const thumb = thumbnailUrl(d, 64);
                  return (
                    <tr key={key} aria-selected={isSelected} class={isSelected ? "selected" : ""}
                      draggable={d.isEditable}
                      onDragStart={(e) => {
                        const keys = isSelected ? selected : [key];
                        e.dataTransfer?.setData(DRAG_TYPE, JSON.stringify(keys));
                        e.dataTransfer?.setData("text/plain", keys.join("\n"));
                      }}
                      onClick={(e) => {
                        if ((e.target as Element).closest("a")) return;
                        click(e, key);
                      }}>
                      <td class="thumb-cell">
                        {thumb ? <img class="thumb" src={thumb} alt="" loading="lazy" width={48} height={48} />
                          : <span class="thumb placeholder" aria-hidden="true" />}
                      </td>
                      <td>
                        <button type="button" class="row-select" aria-pressed={isSelected}
                          aria-label={`Select ${d.displayName}`}
                          onClick={(e) => { e.stopPropagation(); click(e, key); }}
                          onKeyDown={(e) => {
                            if (e.key === " ") { e.preventDefault(); click(e, key); return; }
                            const to = moveFocus(e, e.currentTarget.closest("tbody"), "button.row-select");
                            if (to !== null) click(e, order[to]);
                          }}>
                          {d.displayName}
                        </button>
                        {d.displayName !== d.name ? <div class="small muted mono">{d.name}</div> : null}
                      </td>
                      <td>{d.tags.map((t) => <span key={t} class="tag">{t}</span>)}</td>
                      <td class="small col-extra">{d.layers.map((l) => l.name).join(", ")}</td>
                      <td class="small nowrap col-extra">{formatVoxelSize(d.voxelSize, d.unit)}</td>
                      <td class="small nowrap col-extra" title={d.diskBytes == null ? "Being measured, or not stored on this server" : `${d.diskBytes} bytes`}>
                        {d.diskBytes == null ? "…" : formatBytes(d.diskBytes)}</td>
                      <td><span class={`status status-${d.status}`}>{d.status}</span></td>
                      <td class="small nowrap col-extra">{formatDay(d.created)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <aside class="sidebar right" aria-label="Details">
        {chosen.length === 1 ? (
          <DatasetDetails dataset={chosen[0]} onChange={replaceDataset} />
        ) : chosen.length > 1 ? (
          <p class="muted">{chosen.length} datasets selected. Drag them onto a folder, or use “Move to folder…”.</p>
        ) : (
          <p class="muted">Select a dataset to see its details. Ctrl-click or Shift-click selects several.</p>
        )}
      </aside>
      {moving ? (
        <MoveDialog keys={selected} folders={folders} onClose={() => setMoving(false)}
          onMove={(id) => void move(id, selected)} />
      ) : null}
    </main>
  );
}

