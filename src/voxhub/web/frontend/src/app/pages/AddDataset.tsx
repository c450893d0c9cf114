/** Add a dataset: upload files (resumable), import from a server folder, or a remote source. */
import { useRef, useState } from "preact/hooks";
import { call, messageOf } from "../api/client";
import type { Folder, Job, Team, Upload } from "../api/types";
import { Empty, ErrorNote, Loading, Notice, ProgressBar, Tabs } from "../components/ui";
import { formatBytes, formatSpeed } from "../lib/format";
import { useAction, useLoad } from "../lib/hooks";
import { type AddTab, href, viewerHref } from "../lib/route";
import { filesFromDrop, filesFromInput, suggestName } from "../upload/pick";
import { type PickedFile, type Progress, Uploader } from "../upload/uploader";
import { isAdmin, useSession } from "../session";

type Phase =
  | { step: "choose" }
  | { step: "sending"; progress: Progress }
  | { step: "converting"; job: Job }
  | { step: "done"; dataset: string }
  | { step: "failed"; message: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function UnfinishedUploads({ uploads, onChange }: { uploads: Upload[]; onChange: () => void }) {
  const action = useAction();
  if (!uploads.length) return null;
  return (
    <section class="card">
      <h2>Unfinished uploads</h2>
      <p class="hint">To resume one, choose the same files again with the same dataset name: chunks the server already has are skipped.</p>
      <ul class="plain">
        {uploads.map((u) => (
          <li key={u.uploadId}>
            <strong>{u.name}</strong> — {formatBytes(u.receivedBytes)} of {formatBytes(u.totalBytes)} ({u.state}){" "}
            <button type="button" disabled={action.busy} onClick={() => action.run(async () => {
              await call("delete", "/api/v1/uploads/{upload_id}", { path: { upload_id: u.uploadId } });
              onChange();
            })}>Cancel upload</button>
          </li>
        ))}
      </ul>
      <ErrorNote error={action.error} />
    </section>
  );
}

function UploadTab() {
  const { me } = useSession();
  const setup = useLoad(async () => {
    const [folders, teams, uploads] = await Promise.all([
      call("get", "/api/v1/folders/tree"), call("get", "/api/v1/teams"), call("get", "/api/v1/uploads"),
    ]);
    return { folders: folders as Folder[], teams: teams as Team[], uploads: uploads as Upload[] };
  }, []);
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [name, setName] = useState("");
  const [folderId, setFolderId] = useState<number | null>(null);
  const [teamIds, setTeamIds] = useState<Set<number>>(new Set());
  const [voxel, setVoxel] = useState<[string, string, string]>(["", "", ""]);
  const [phase, setPhase] = useState<Phase>({ step: "choose" });
  const [dragging, setDragging] = useState(false);
  const [resumed, setResumed] = useState(false);
  const abort = useRef<AbortController | null>(null);

  const choose = (picked: PickedFile[]) => {
    if (!picked.length) return;
    setFiles(picked);
    if (!name) setName(suggestName(picked));
  };
  const voxelSize = voxel.every((v) => v.trim()) ? (voxel.map(Number) as [number, number, number]) : null;
  const totalBytes = files.reduce((s, f) => s + f.file.size, 0);

  const watch = async (jobId: number, dataset: string) => {
    for (;;) {
      const job = await call("get", "/api/v1/jobs/{job_id}", { path: { job_id: jobId } });
      if (job.state === "succeeded") return setPhase({ step: "done", dataset });
      if (job.state === "failed" || job.state === "cancelled") {
        return setPhase({ step: "failed", message: job.error ? `Conversion ${job.state}: ${job.error}` : `Conversion ${job.state}.` });
      }
      setPhase({ step: "converting", job });
      await sleep(1000);
    }
  };
  const start = async (event: Event) => {
    event.preventDefault();
    if (!me || !files.length) return;
    const controller = new AbortController();
    abort.current = controller;
    const uploader = new Uploader(name, files, (progress) => setPhase({ step: "sending", progress }));
    setPhase({ step: "sending", progress: { sentBytes: 0, totalBytes, bytesPerSecond: 0, retrying: null, skippedChunks: 0 } });
    try {
      const existing = await uploader.resumable();
      setResumed(!!existing);
      const upload = existing ?? await uploader.reserve({
        name, organization: me.organization, folderId, teamIds: [...teamIds], voxelSize,
      });
      const finished = await uploader.send(upload.uploadId, controller.signal);
      const dataset = `${me.organization}/${name}`;
      if (finished.jobId) await watch(finished.jobId, dataset);
      else setPhase({ step: "done", dataset });
    } catch (error) {
      setPhase({ step: "failed", message: messageOf(error) });
    }
  };

  if (setup.error) return <ErrorNote error={setup.error} />;
  if (!setup.data) return <Loading />;
  const busy = phase.step === "sending" || phase.step === "converting";
  const [org, dsName] = phase.step === "done" ? phase.dataset.split("/") : ["", ""];
  return (
    <>
      <form class="card form wide" onSubmit={start}>
        <div
          class={`dropzone${dragging ? " over" : ""}`}
          data-testid="dropzone"
          onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
          onDragLeave={() => setDragging(false)}
          onDrop={async (e) => {
            e.preventDefault();
            setDragging(false);
            if (e.dataTransfer) choose(await filesFromDrop(e.dataTransfer));
          }}
        >
          <p><strong>Drop files, a folder or a zip here</strong></p>
          <p class="small">Image stacks (TIFF/PNG/JPEG slices), TIFF/OME-TIFF, CZI, NIfTI, DM3/4, raw, KNOSSOS, WKW, OME-Zarr, N5, precomputed, WEBKNOSSOS datasets.</p>
          <div class="buttons center">
            <label class="button">Choose files<input class="sr-only" type="file" multiple
              onChange={(e) => choose(filesFromInput(e.currentTarget.files))} /></label>
            <label class="button">Choose a folder<input class="sr-only" type="file"
              {...{ webkitdirectory: "" }} onChange={(e) => choose(filesFromInput(e.currentTarget.files))} /></label>
          </div>
          {files.length ? (
            <p class="picked" role="status">{files.length} file{files.length > 1 ? "s" : ""}, {formatBytes(totalBytes)}
              {files.length <= 3 ? `: ${files.map((f) => f.relativePath).join(", ")}` : ""}</p>
          ) : null}
        </div>
        <label>
          Dataset name
          <input required pattern="[A-Za-z0-9_\-]+" title="Letters, digits, - and _" value={name}
            onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Folder
          <select value={folderId ?? ""} onChange={(e) => setFolderId(e.currentTarget.value ? Number(e.currentTarget.value) : null)}>
            <option value="">(root)</option>
            {setup.data.folders.filter((f) => f.isEditable && f.parentId !== null).map((f) => (
              <option key={f.id} value={f.id}>{f.path}</option>
            ))}
          </select>
        </label>
        {setup.data.teams.length ? (
          <fieldset>
            <legend>Teams allowed to see it</legend>
            {setup.data.teams.map((t) => (
              <label key={t.id} class="check">
                <input type="checkbox" checked={teamIds.has(t.id)} onChange={(e) => {
                  const next = new Set(teamIds);
                  if (e.currentTarget.checked) next.add(t.id); else next.delete(t.id);
                  setTeamIds(next);
                }} />{t.name}
              </label>
            ))}
          </fieldset>
        ) : null}
        <fieldset>
          <legend>Voxel size in nm (leave empty to take it from the files)</legend>
          <div class="row">
            {(["x", "y", "z"] as const).map((axis, i) => (
              <label key={axis} class="num">{`Voxel size ${axis}`}
                <input type="number" min={0} step="any" value={voxel[i]} onInput={(e) => {
                  const next = [...voxel] as [string, string, string];
                  next[i] = e.currentTarget.value;
                  setVoxel(next);
                }} />
              </label>
            ))}
          </div>
        </fieldset>
        <div class="buttons">
          {busy ? (
            <button type="button" onClick={() => abort.current?.abort()} disabled={phase.step !== "sending"}>Pause upload</button>
          ) : null}
          <button type="submit" class="primary" disabled={busy || !files.length || !name}>Upload</button>
        </div>
        {phase.step === "sending" ? (
          <div class="upload-progress">
            <ProgressBar value={phase.progress.totalBytes ? phase.progress.sentBytes / phase.progress.totalBytes : 1} label="Upload progress" />
            <p class="small">
              {resumed ? "Resuming an earlier upload. " : ""}
              {formatBytes(phase.progress.sentBytes)} of {formatBytes(phase.progress.totalBytes)} · {formatSpeed(phase.progress.bytesPerSecond)}
              {phase.progress.skippedChunks ? ` · ${phase.progress.skippedChunks} chunks already on the server` : ""}
            </p>
            {phase.progress.retrying ? <p class="warn-text" role="status">{phase.progress.retrying}</p> : null}
          </div>
        ) : null}
        {phase.step === "converting" ? (
          <div class="upload-progress">
            <ProgressBar value={phase.job.progress} label="Conversion progress" />
            <p class="small">Converting ({phase.job.state}){phase.job.message ? `: ${phase.job.message}` : ""}</p>
          </div>
        ) : null}
        {phase.step === "done" ? (
          <Notice>
            Dataset ready: <a href={href({ page: "dataset", org, name: dsName, token: null })}>{phase.dataset}</a>
            {" · "}<a href={viewerHref(org, dsName)}>open in the viewer</a>
          </Notice>
        ) : null}
        {phase.step === "failed" ? <ErrorNote error={phase.message} /> : null}
      </form>
      <UnfinishedUploads uploads={setup.data.uploads} onChange={() => void setup.reload()} />
    </>
  );
}

function ImportTab() {
  const { me } = useSession();
  const [path, setPath] = useState("");
  const [name, setName] = useState("");
  const action = useAction();
  const [job, setJob] = useState<Job | null>(null);
  if (!isAdmin(me)) return <Empty>Only admins import from the server's folders.</Empty>;
  return (
    <form class="card form wide" onSubmit={async (e) => {
      e.preventDefault();
      const queued = await action.run(() => call("post", "/openmsi/import", {
        json: { path, name, organization: me!.organization, layer: "msi", tolerance_ppm: 5 } }));
      if (queued) setJob(queued);
    }}>
      <p>Imports a mass-spectrometry file (imzML or OpenMSI HDF5) from one of the server's import folders
        (<code>VOXHUB_IMPORT_ROOTS</code>) as a job. Image folders and OME-Zarr placed under
        <code> data/binaryData/&lt;organization&gt;/</code> are registered by the periodic disk scan instead.</p>
      <label>Path inside an import folder<input required value={path} onInput={(e) => setPath(e.currentTarget.value)} /></label>
      <label>Dataset name<input required value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
      <ErrorNote error={action.error} />
      {job ? <Notice>Queued as job {job.id}. Follow it on the <a href={href({ page: "jobs" })}>Jobs</a> page.</Notice> : null}
      <div class="buttons"><button type="submit" class="primary" disabled={action.busy}>Import</button></div>
    </form>
  );
}

function RemoteTab() {
  return (
    <section class="card">
      <h2>Remote data</h2>
      <p>
        A remote dataset is only referenced, never copied: give the URL of a Zarr, N5 or
        Neuroglancer-precomputed source (HTTP, S3 or GCS) and, if needed, its credentials. voxhub
        then proposes a <code>datasource-properties.json</code> for it, which you can edit before
        saving, and streams its chunks read-only through the same links and permissions as hosted data.
      </p>
      <p class="muted">The server does not offer remote registration yet; this tab will use it as soon as it does.</p>
    </section>
  );
}

export function AddDatasetPage({ tab }: { tab: AddTab }) {
  const tabs = [
    { id: "upload" as const, label: "Upload", href: href({ page: "add", tab: "upload" }) },
    { id: "import" as const, label: "Import from server folder", href: href({ page: "add", tab: "import" }) },
    { id: "remote" as const, label: "Remote", href: href({ page: "add", tab: "remote" }) },
  ];
  return (
    <main class="page">
      <h1>Add dataset</h1>
      <Tabs tabs={tabs} current={tab} />
      {tab === "upload" ? <UploadTab /> : tab === "import" ? <ImportTab /> : <RemoteTab />}
    </main>
  );
}
