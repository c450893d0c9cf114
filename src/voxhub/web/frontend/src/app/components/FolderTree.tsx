/**
 * The left sidebar: the organization's folder tree. Clicking a folder filters the list;
 * its menu (the ⋯ button or a right click) creates, renames, moves and deletes folders and
 * sets their teams; datasets dropped on a folder move into it. Up/Down/Home/End move between
 * folders, Enter opens one, the context-menu key (or Shift+F10) opens its menu.
 */
import { useState } from "preact/hooks";
import { call } from "../api/client";
import type { Folder, Team } from "../api/types";
import { useAction } from "../lib/hooks";
import { moveFocus } from "../lib/keys";
import { Dialog, ErrorNote } from "./ui";

type Mode = "create" | "rename" | "move" | "teams" | "delete";

export interface FolderTreeProps {
  folders: Folder[];
  teams: Team[];
  current: number | null;
  onSelect: (id: number | null) => void;
  onChanged: () => void;
  /** Datasets (org/name keys) dropped onto a folder. */
  onDrop: (folderId: number, keys: string[]) => void;
}

export const DRAG_TYPE = "application/x-voxhub-datasets";

function descendants(folders: Folder[], id: number): Set<number> {
  const found = new Set([id]);
  for (const folder of folders) {
    if (folder.parentId !== null && found.has(folder.parentId)) found.add(folder.id);
  }
  return found;
}

function FolderDialog({ mode, folder, folders, teams, onClose, onChanged }: {
  mode: Mode;
  folder: Folder;
  folders: Folder[];
  teams: Team[];
  onClose: () => void;
  onChanged: () => void;
}) {
  const [name, setName] = useState(mode === "rename" ? folder.name : "");
  const [parent, setParent] = useState<number | null>(folder.parentId);
  const [chosen, setChosen] = useState(new Set(folder.allowedTeams.map((t) => t.id)));
  const action = useAction();
  const blocked = descendants(folders, folder.id);
  const titles: Record<Mode, string> = {
    create: `New folder in ${folder.name}`, rename: `Rename ${folder.name}`,
    move: `Move ${folder.name}`, teams: `Teams allowed on ${folder.name}`,
    delete: `Delete ${folder.name}`,
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    const id = folder.id;
    const done = await action.run(async () => {
      if (mode === "create") await call("post", "/api/v1/folders", { json: { parentId: id, name } });
      if (mode === "rename") {
        await call("patch", "/api/v1/folders/{folder_id}", { path: { folder_id: id }, json: { name } });
      }
      if (mode === "move" && parent !== null) {
        await call("patch", "/api/v1/folders/{folder_id}", {
          path: { folder_id: id }, json: { parentId: parent },
        });
      }
      if (mode === "teams") {
        await call("put", "/api/v1/folders/{folder_id}/teams", {
          path: { folder_id: id }, json: { teamIds: [...chosen] },
        });
      }
      if (mode === "delete") await call("delete", "/api/v1/folders/{folder_id}", { path: { folder_id: id } });
      return true;
    });
    if (done) {
      onChanged();
      onClose();
    }
  };
  return (
    <Dialog title={titles[mode]} open onClose={onClose}>
      <form class="form" onSubmit={submit}>
        {mode === "create" || mode === "rename" ? (
          <label>
            Folder name
            <input required maxLength={128} value={name} autoFocus
              onInput={(e) => setName(e.currentTarget.value)} />
          </label>
        ) : null}
        {mode === "move" ? (
          <label>
            New parent folder
            <select value={parent ?? ""} onChange={(e) => setParent(Number(e.currentTarget.value))}>
              {folders.filter((f) => !blocked.has(f.id)).map((f) => (
                <option key={f.id} value={f.id}>{f.path}</option>
              ))}
            </select>
          </label>
        ) : null}
        {mode === "teams" ? (
          <fieldset>
            <legend>Teams that see this folder and everything below it</legend>
            {teams.length ? teams.map((team) => (
              <label key={team.id} class="check">
                <input type="checkbox" checked={chosen.has(team.id)} onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.currentTarget.checked) next.add(team.id);
                  else next.delete(team.id);
                  setChosen(next);
                }} />
                {team.name}
              </label>
            )) : <p class="muted">The organization has no teams yet.</p>}
          </fieldset>
        ) : null}
        {mode === "delete" ? <p>Delete the folder? Only empty folders can be deleted.</p> : null}
        <ErrorNote error={action.error} />
        <div class="buttons">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class={mode === "delete" ? "danger" : "primary"} disabled={action.busy}>
            {mode === "delete" ? "Delete" : mode === "create" ? "Create" : "Save"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function FolderTree(props: FolderTreeProps) {
  const { folders, current, onSelect } = props;
  const [menu, setMenu] = useState<number | null>(null);
  const [dialog, setDialog] = useState<{ mode: Mode; folder: Folder } | null>(null);
  const [over, setOver] = useState<number | null>(null);
  const children = (parent: number | null) => folders.filter((f) => f.parentId === parent);
  const open = (mode: Mode, folder: Folder) => {
    setMenu(null);
    setDialog({ mode, folder });
  };
  const node = (folder: Folder, depth: number) => {
    const active = depth === 0 ? current === null : current === folder.id;
    return (
    <li key={folder.id} role="treeitem" aria-selected={active}
      aria-expanded={children(folder.id).length ? true : undefined}>
      <div class={`folder-row${active ? " active" : ""}${over === folder.id ? " drop" : ""}`}
        style={{ paddingLeft: `${0.5 + depth * 0.9}rem` }}
        onContextMenu={(e) => {
          if (!folder.isEditable) return;
          e.preventDefault();
          setMenu(folder.id);
        }}
        onDragOver={(e) => {
          if (!folder.isEditable || !e.dataTransfer?.types.includes(DRAG_TYPE)) return;
          e.preventDefault();
          setOver(folder.id);
        }}
        onDragLeave={() => setOver(null)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(null);
          const keys = JSON.parse(e.dataTransfer?.getData(DRAG_TYPE) || "[]") as string[];
          if (keys.length) props.onDrop(folder.id, keys);
        }}>
        <button type="button" class="folder-name" onClick={() => onSelect(depth === 0 ? null : folder.id)}
          data-folder={folder.path} tabIndex={active ? 0 : -1}
          onKeyDown={(e) => {
            if (folder.isEditable && (e.key === "ContextMenu" || (e.shiftKey && e.key === "F10"))) {
              e.preventDefault();
              setMenu(folder.id);
            }
          }}>
          <span class="folder-icon" aria-hidden="true" /> {depth === 0 ? "All datasets" : folder.name}
        </button>
        {folder.isEditable ? (
          <button type="button" class="icon" aria-label={`Folder actions for ${folder.name}`}
            aria-haspopup="menu" aria-expanded={menu === folder.id}
            onClick={() => setMenu(menu === folder.id ? null : folder.id)}>⋯</button>
        ) : null}
      </div>
      {menu === folder.id ? (
        <ul class="menu" role="menu" onKeyDown={(e) => e.key === "Escape" && setMenu(null)}>
          <li><button type="button" role="menuitem" autoFocus onClick={() => open("create", folder)}>New subfolder</button></li>
          {depth > 0 ? (
            <>
              <li><button type="button" role="menuitem" onClick={() => open("rename", folder)}>Rename</button></li>
              <li><button type="button" role="menuitem" onClick={() => open("move", folder)}>Move</button></li>
            </>
          ) : null}
          <li><button type="button" role="menuitem" onClick={() => open("teams", folder)}>Allowed teams</button></li>
          {depth > 0 ? (
            <li><button type="button" role="menuitem" onClick={() => open("delete", folder)}>Delete</button></li>
          ) : null}
        </ul>
      ) : null}
      {children(folder.id).length ? (
        <ul role="group">{children(folder.id).map((c) => node(c, depth + 1))}</ul>
      ) : null}
    </li>
    );
  };
  const roots = folders.filter((f) => f.parentId === null || !folders.some((p) => p.id === f.parentId));
  return (
    <nav class="folders" aria-label="Folders">
      <h2 class="sidebar-title">Folders</h2>
      <ul role="tree" onKeyDown={(e) => moveFocus(e, e.currentTarget, "button.folder-name")}>
        {roots.map((f) => node(f, 0))}
      </ul>
      {dialog ? (
        <FolderDialog mode={dialog.mode} folder={dialog.folder} folders={folders} teams={props.teams}
          onClose={() => setDialog(null)} onChanged={props.onChanged} />
      ) : null}
    </nav>
  );
}
