/** The user's jobs (an admin's: the organization's), refreshed every two seconds. */
import { call } from "../api/client";
import type { Job } from "../api/types";
import { Empty, ErrorNote, Loading, ProgressBar } from "../components/ui";
import { formatDate } from "../lib/format";
import { useAction, useLoad, usePoll } from "../lib/hooks";

const ACTIVE = new Set(["queued", "running"]);

export function JobRow({ job, onChange }: { job: Job; onChange: () => void }) {
  const action = useAction();
  const cancel = () => action.run(async () => {
    await call("post", "/api/v1/jobs/{job_id}/cancel", { path: { job_id: job.id } });
    onChange();
  });
  const retry = () => action.run(async () => {
    await call("post", "/api/v1/jobs/{job_id}/retry", { path: { job_id: job.id } });
    onChange();
  });
  return (
    <tr data-job={job.id}>
      <td data-label="#">{job.id}</td>
      <td data-label="Kind">{job.kind}</td>
      <td class="mono small" data-label="Dataset">{job.dataset ?? "–"}</td>
      <td data-label="State"><span class={`status status-${job.state}`}>{job.state}{job.cancelRequested && ACTIVE.has(job.state) ? " (cancelling)" : ""}</span></td>
      <td class="progress-cell" data-label="Progress"><ProgressBar value={job.progress} label={`Job ${job.id} progress`} /></td>
      <td class="small" data-label="Message">{job.error ?? job.message ?? ""}</td>
      <td class="small nowrap" data-label="Started">{formatDate(job.started)}</td>
      <td class="small nowrap" data-label="Finished">{formatDate(job.finished)}</td>
      <td class="nowrap">
        {ACTIVE.has(job.state) && !job.cancelRequested ? (
          <button type="button" onClick={cancel} disabled={action.busy}>Cancel</button>
        ) : null}
        {job.state === "failed" || job.state === "cancelled" ? (
          <button type="button" onClick={retry} disabled={action.busy}>Retry</button>
        ) : null}
        <ErrorNote error={action.error} />
      </td>
    </tr>
  );
}

export function JobsPage() {
  const jobs = useLoad(() => call("get", "/api/v1/jobs"), []);
  usePoll(() => void jobs.reload(), 2000);
  return (
    <main class="page">
      <h1>Jobs</h1>
      <ErrorNote error={jobs.error} />
      {jobs.data === undefined && !jobs.error ? <Loading what="Loading jobs" /> : null}
      {jobs.data && !jobs.data.length ? <Empty>No jobs yet. Uploads and analyses show up here.</Empty> : null}
      {jobs.data?.length ? (
        <div class="table-wrap">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">#</th><th scope="col">Kind</th><th scope="col">Dataset</th>
                <th scope="col">State</th><th scope="col">Progress</th><th scope="col">Message</th>
                <th scope="col">Started</th><th scope="col">Finished</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.map((job) => <JobRow key={job.id} job={job} onChange={() => void jobs.reload()} />)}
            </tbody>
          </table>
        </div>
      ) : null}
    </main>
  );
}
