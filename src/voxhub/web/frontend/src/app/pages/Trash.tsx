/** Deleted datasets of the organization: restore, or purge for good. */
import { call } from "../api/client";
import { Empty, ErrorNote, Loading, Notice } from "../components/ui";
import { formatDate } from "../lib/format";
import { useAction, useLoad } from "../lib/hooks";
import { href } from "../lib/route";
import { useState } from "preact/hooks";

export function TrashPage() {
  const trash = useLoad(() => call("get", "/api/v1/trash"), []);
  const action = useAction();
  const [restored, setRestored] = useState<{ org: string; name: string } | null>(null);
  const restore = async (id: number) => {
    const dataset = await action.run(() =>
      call("post", "/api/v1/trash/{entry_id}/restore", { path: { entry_id: id } }));
    if (dataset) {
      setRestored({ org: dataset.organization, name: dataset.name });
      await trash.reload();
    }
  };
  const purge = async (id: number, name: string) => {
    const typed = prompt(`Delete ${name} for good? This cannot be undone. Type its name to confirm.`);
    if (typed === null) return;
    await action.run(() => call("delete", "/api/v1/trash/{entry_id}", {
      path: { entry_id: id }, query: { confirm: typed },
    }));
    await trash.reload();
  };
  return (
    <main class="page">
      <h1>Trash</h1>
      <p class="hint">Deleted datasets stay here until they are purged, and can be restored with their settings and teams.</p>
      {restored ? (
        <Notice>
          Restored <a href={href({ page: "dataset", org: restored.org, name: restored.name, token: null })}>
            {restored.org}/{restored.name}</a>.
        </Notice>
      ) : null}
      <ErrorNote error={trash.error ?? action.error} />
      {trash.data === undefined && !trash.error ? <Loading what="Loading the trash" /> : null}
      {trash.data && !trash.data.length ? <Empty>The trash is empty.</Empty> : null}
      {trash.data?.length ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr><th scope="col">Dataset</th><th scope="col">Deleted</th><th scope="col">By</th>
                <th scope="col">Purged after</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {trash.data.map((entry) => (
                <tr key={entry.id}>
                  <td class="mono">{entry.organization}/{entry.name}</td>
                  <td>{formatDate(entry.deleted)}</td>
                  <td>{entry.deletedBy}</td>
                  <td>{formatDate(entry.purgeAfter)}</td>
                  <td class="nowrap">
                    <button type="button" class="primary" disabled={action.busy}
                      onClick={() => restore(entry.id)} aria-label={`Restore ${entry.name}`}>Restore</button>{" "}
                    <button type="button" class="danger" disabled={action.busy}
                      onClick={() => purge(entry.id, entry.name)} aria-label={`Purge ${entry.name}`}>Purge</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </main>
  );
}
