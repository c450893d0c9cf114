/**
 * Add dataset › Import from server folder (admins): browse the server's import folders
 * (`VOXHUB_IMPORT_ROOTS`), pick a file or folder, and follow the conversion job.
 */
import { useState } from "preact/hooks";
import { call, messageOf } from "../api/client";
import type { Folder, Team } from "../api/types";
import { type JobPhase, JobPhaseView, PlacementFields, followJob, usePlacement, voxelSizeOf } from "../components/NewDataset";
import { Empty, ErrorNote, Loading } from "../components/ui";
import { formatBytes } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { suggestName } from "../upload/pick";
import { isAdmin, useSession } from "../session";

type Phase = { step: "choose" } | { step: "queueing" } | JobPhase;

const join = (folder: string, name: string) => (folder ? `${folder}/${name}` : name);

function Browser({ folder, chosen, onOpen, onChoose }: {
  folder: string;
  chosen: string;
  onOpen: (folder: string) => void;
  onChoose: (path: string) => void;
}) {
  const listing = useLoad(() => call("get", "/api/v1/import/files", { query: { path: folder } }), [folder]);
  const up = folder.includes("/") ? folder.slice(0, folder.lastIndexOf("/")) : "";
  return (
    <div class="browser" aria-label="Server folders">
      <p class="crumbs mono">{folder ? `import folder › ${folder.split("/").join(" › ")}` : "import folder"}</p>
      <ErrorNote error={listing.error} />
      {listing.data === undefined && !listing.error ? <Loading what="Listing the folder" /> : null}
      {listing.data ? (
        <ul class="plain files">
          {folder ? (
            <li><button type="button" class="link" onClick={() => onOpen(up)}>↑ Up</button></li>
          ) : null}
          {listing.data.entries.map((e) => {
            const path = join(folder, e.name);
            return (
              <li key={e.name} class={chosen === path ? "chosen" : ""}>
                {e.isDir ? (
                  <button type="button" class="link" aria-label={`Open folder ${e.name}`} onClick={() => onOpen(path)}>
                    <span class="folder-icon" aria-hidden="true" /> {e.name}/
                  </button>
                ) : <span class="mono">{e.name}</span>}
                {e.size !== null && e.size !== undefined ? <span class="muted small"> {formatBytes(e.size)}</span> : null}
                <button type="button" class="choose" aria-pressed={chosen === path}
                  aria-label={`Import ${e.name}`} onClick={() => onChoose(path)}>
                  {chosen === path ? "Chosen" : "Choose"}
                </button>
              </li>
            );
          })}
          {!listing.data.entries.length ? <li class="muted">This folder is empty.</li> : null}
          {listing.data.truncated ? <li class="muted">Only the first 1000 entries are listed.</li> : null}
        </ul>
      ) : null}
    </div>
  );
}

export function ImportTab() {
  const { me } = useSession();
  const setup = useLoad(async () => {
    if (!isAdmin(me)) return null;
    const [folders, teams] = await Promise.all([call("get", "/api/v1/folders/tree"), call("get", "/api/v1/teams")]);
    return { folders: folders as Folder[], teams: teams as Team[] };
  }, [me?.id]);
  const [folder, setFolder] = useState("");
  const [path, setPath] = useState("");
  const [name, setName] = useState("");
  const [placement, setPlacement] = usePlacement();
  const [phase, setPhase] = useState<Phase>({ step: "choose" });
  if (!isAdmin(me)) return <Empty>Only admins import from the server's folders.</Empty>;
  if (setup.error) return <ErrorNote error={setup.error} />;
  if (!setup.data) return <Loading />;
  const choose = (chosen: string) => {
    setPath(chosen);
    const base = chosen.split("/").pop() ?? chosen;
    setName(suggestName([{ relativePath: base } as never]));
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    setPhase({ step: "queueing" });
    try {
      const job = await call("post", "/api/v1/import", {
        json: {
          path, name, organization: me!.organization, folderId: placement.folderId,
          teamIds: [...placement.teamIds], voxelSize: voxelSizeOf(placement.voxel),
        },
      });
      await followJob(job.id, `${me!.organization}/${name}`, setPhase);
    } catch (error) {
      setPhase({ step: "failed", message: messageOf(error) });
    }
  };
  const busy = phase.step === "queueing" || phase.step === "converting";
  return (
    <form class="card form wide" onSubmit={submit}>
      <p>Converts a file or folder from one of the server's import folders
        (<code>VOXHUB_IMPORT_ROOTS</code>) into a new dataset — any format an upload accepts, MSI
        included — as a job. The files there are only read, never moved.</p>
      <Browser folder={folder} chosen={path} onOpen={setFolder} onChoose={choose} />
      <label>Path inside an import folder<input required value={path} onInput={(e) => setPath(e.currentTarget.value)} /></label>
      <label>Dataset name<input required pattern="[A-Za-z0-9_\-]+" title="Letters, digits, - and _" value={name}
        onInput={(e) => setName(e.currentTarget.value)} /></label>
      <PlacementFields folders={setup.data.folders} teams={setup.data.teams} value={placement} onChange={setPlacement} />
      <div class="buttons"><button type="submit" class="primary" disabled={busy || !path || !name}>Import</button></div>
      {phase.step === "queueing" ? <Loading what="Queueing the import" /> : null}
      <JobPhaseView phase={phase} />
    </form>
  );
}
