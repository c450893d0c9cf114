/** One dataset on its own page: what a share link (`?token=`) or a public link opens. */
import { call } from "../api/client";
import { DatasetDetails } from "../components/DatasetDetails";
import { ErrorNote, Loading } from "../components/ui";
import { useLoad } from "../lib/hooks";

export function DatasetPage({ org, name, token }: { org: string; name: string; token: string | null }) {
  const dataset = useLoad(
    () => call("get", "/api/v1/datasets/{organization}/{name}", {
      path: { organization: org, name },
      query: (token ? { token } : {}) as never,
    }),
    [org, name, token],
  );
  return (
    <main class="page">
      {dataset.loading && !dataset.data ? <Loading what="Loading the dataset" /> : null}
      <ErrorNote error={dataset.error} />
      {dataset.data ? <DatasetDetails dataset={dataset.data} onChange={dataset.set} token={token} /> : null}
    </main>
  );
}
