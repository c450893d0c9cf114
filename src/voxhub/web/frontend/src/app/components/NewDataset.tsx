/**
 * What every way of adding a dataset shares: where it goes (folder, teams), its voxel size,
 * and following the conversion job until the dataset opens.
 */
import { useState } from "preact/hooks";
import { call } from "../api/client";
import type { Folder, Job, Team } from "../api/types";
import { href, viewerHref } from "../lib/route";
import { ErrorNote, Notice, ProgressBar } from "./ui";

export type Triple = [string, string, string];

export interface Placement {
  folderId: number | null;
  teamIds: Set<number>;
  voxel: Triple;
}

export function usePlacement() {
  return useState<Placement>({ folderId: null, teamIds: new Set(), voxel: ["", "", ""] });
}

/** The voxel size typed, or null when any axis is left empty (take it from the files). */
export function voxelSizeOf(voxel: Triple): [number, number, number] | null {
  return voxel.every((v) => v.trim()) ? (voxel.map(Number) as [number, number, number]) : null;
}

export function PlacementFields({ folders, teams, value, onChange }: {
  folders: Folder[];
  teams: Team[];
  value: Placement;
  onChange: (p: Placement) => void;
}) {
  return (
    <>
      <label>
        Folder
        <select value={value.folderId ?? ""}
          onChange={(e) => onChange({ ...value, folderId: e.currentTarget.value ? Number(e.currentTarget.value) : null })}>
          <option value="">(root)</option>
          {folders.filter((f) => f.isEditable && f.parentId !== null).map((f) => (
            <option key={f.id} value={f.id}>{f.path}</option>
          ))}
        </select>
      </label>
      {teams.length ? (
        <fieldset>
          <legend>Teams allowed to see it</legend>
          {teams.map((t) => (
            <label key={t.id} class="check">
              <input type="checkbox" checked={value.teamIds.has(t.id)} onChange={(e) => {
                const next = new Set(value.teamIds);
                if (e.currentTarget.checked) next.add(t.id); else next.delete(t.id);
                onChange({ ...value, teamIds: next });
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
              <input type="number" min={0} step="any" value={value.voxel[i]} onInput={(e) => {
                const next = [...value.voxel] as Triple;
                next[i] = e.currentTarget.value;
                onChange({ ...value, voxel: next });
              }} />
            </label>
          ))}
        </div>
      </fieldset>
    </>
  );
}

export type JobPhase =
  | { step: "converting"; job: Job }
  | { step: "done"; dataset: string }
  | { step: "failed"; message: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a conversion job each second, reporting each state, until it ends. */
export async function followJob(jobId: number, dataset: string, report: (p: JobPhase) => void): Promise<void> {
  for (;;) {
    const job = await call("get", "/api/v1/jobs/{job_id}", { path: { job_id: jobId } });
    if (job.state === "succeeded") return report({ step: "done", dataset });
    if (job.state === "failed" || job.state === "cancelled") {
      return report({ step: "failed", message: job.error ? `Conversion ${job.state}: ${job.error}` : `Conversion ${job.state}.` });
    }
    report({ step: "converting", job });
    await sleep(1000);
  }
}

/** The conversion's progress bar, the link to the finished dataset, or why it failed. */
export function JobPhaseView({ phase }: { phase: { step: string } }) {
  const p = phase as JobPhase;
  if (p.step === "converting") {
    return (
      <div class="upload-progress">
        <ProgressBar value={p.job.progress} label="Conversion progress" />
        <p class="small">Converting ({p.job.state}){p.job.message ? `: ${p.job.message}` : ""}</p>
      </div>
    );
  }
  if (p.step === "done") {
    const [org, name] = p.dataset.split("/");
    return (
      <Notice>
        Dataset ready: <a href={href({ page: "dataset", org, name, token: null })}>{p.dataset}</a>
        {" · "}<a href={viewerHref(org, name)}>open in the viewer</a>
      </Notice>
    );
  }
  if (p.step === "failed") return <ErrorNote error={p.message} />;
  return null;
}
