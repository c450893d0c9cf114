/** Add a dataset: upload files (resumable), import from a server folder, or a remote source. */
import { useRef, useState } from "preact/hooks";
import { call, messageOf } from "../api/client";
import type { Folder, Team, Upload } from "../api/types";
import { type JobPhase, JobPhaseView, PlacementFields, followJob, usePlacement, voxelSizeOf } from "../components/NewDataset";
import { ErrorNote, Loading, ProgressBar, Tabs } from "../components/ui";
import { formatBytes, formatSpeed } from "../lib/format";
import { useAction, useLoad } from "../lib/hooks";
import { type AddTab, href } from "../lib/route";
import { filesFromDrop, filesFromInput, suggestName } from "../upload/pick";
import { type PickedFile, type Progress, Uploader } from "../upload/uploader";
import { useSession } from "../session";
import { ImportTab } from "./ImportTab";
import { RemoteTab } from "./RemoteTab";

type Phase = { step: "choose" } | { step: "sending"; progress: Progress } | JobPhase;

function UnfinishedUploads({ uploads, onChange, onResume }: {
  uploads: Upload[];
  onChange: () => void;
  onResume: (name: string) => void;
}) {
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
            <button type="button" onClick={() => onResume(u.name)}>Resume…</button>{" "}
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
  const [placement, setPlacement] = usePlacement();
  const [phase, setPhase] = useState<Phase>({ step: "choose" });
  const [dragging, setDragging] = useState(false);
  const [resumed, setResumed] = useState(false);
  const [resumeHint, setResumeHint] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  const choose = (picked: PickedFile[]) => {
    if (!picked.length) return;
    setFiles(picked);
    if (!name) setName(suggestName(picked));
  };
  const totalBytes = files.reduce((s, f) => s + f.file.size, 0);
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
        name, organization: me.organization, folderId: placement.folderId,
        teamIds: [...placement.teamIds], voxelSize: voxelSizeOf(placement.voxel),
      });
      const finished = await uploader.send(upload.uploadId, controller.signal);
      const dataset = `${me.organization}/${name}`;
      if (finished.jobId) await followJob(finished.jobId, dataset, setPhase);
      else setPhase({ step: "done", dataset });
    } catch (error) {
      setPhase({ step: "failed", message: messageOf(error) });
    }
  };

  if (setup.error) return <ErrorNote error={setup.error} />;
  if (!setup.data) return <Loading />;
  const busy = phase.step === "sending" || phase.step === "converting";
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
          {resumeHint && !files.length ? (
            <p class="notice" role="status">To resume “{resumeHint}”, choose or drop the same files again.</p>
          ) : null}
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
        <PlacementFields folders={setup.data.folders} teams={setup.data.teams} value={placement}
          onChange={setPlacement} />
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
        <JobPhaseView phase={phase} />
      </form>
      <UnfinishedUploads uploads={setup.data.uploads} onChange={() => void setup.reload()}
        onResume={(earlier) => {
          setName(earlier);
          setResumeHint(earlier);
          document.querySelector<HTMLElement>("[data-testid=dropzone] input[type=file]")?.focus();
        }} />
    </>
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
