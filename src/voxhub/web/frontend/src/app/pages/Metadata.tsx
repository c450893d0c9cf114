/** ISA metadata: investigations of the organization, import/export, assay ↔ dataset links. */
import { useState } from "preact/hooks";
import { call, send } from "../api/client";
import { Markdown } from "../components/DatasetDetails";
import { Empty, ErrorNote, Loading, Notice } from "../components/ui";
import { VirtualTable } from "../components/VirtualTable";
import { useAction, useLoad } from "../lib/hooks";
import { BASE, href } from "../lib/route";

export function MetadataPage() {
  const investigations = useLoad(() => call("get", "/api/v1/investigations"), []);
  const [format, setFormat] = useState<"isa-json" | "arc-zip">("isa-json");
  const [file, setFile] = useState<File | null>(null);
  const [imported, setImported] = useState<string | null>(null);
  const action = useAction();
  const upload = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    const response = await action.run(() => send("POST", `/api/v1/investigations/import?format=${format}`, { body: file }));
    if (response) {
      const created = (await response.json()) as { identifier: string };
      setImported(created.identifier);
      await investigations.reload();
    }
  };
  return (
    <main class="page">
      <h1>Metadata</h1>
      <ErrorNote error={investigations.error} />
      {investigations.data === undefined && !investigations.error ? <Loading what="Loading investigations" /> : null}
      {investigations.data && !investigations.data.length ? <Empty>No investigations yet. Import one below.</Empty> : null}
      {investigations.data?.length ? (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Investigation</th><th scope="col">Title</th><th scope="col">Studies</th><th scope="col">Assays</th><th scope="col">Linked datasets</th></tr></thead>
            <tbody>
              {investigations.data.map((inv) => (
                <tr key={`${inv.organization}/${inv.identifier}`}>
                  <td><a href={href({ page: "investigation", org: inv.organization, identifier: inv.identifier })}>{inv.identifier}</a></td>
                  <td>{inv.title || "–"}</td>
                  <td>{inv.studies.length}</td>
                  <td>{Object.keys(inv.assays).length}</td>
                  <td>{inv.links.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <form class="card form" onSubmit={upload}>
        <h2>Import an investigation</h2>
        <label>Format
          <select value={format} onChange={(e) => setFormat(e.currentTarget.value as "isa-json")}>
            <option value="isa-json">ISA-JSON file</option>
            <option value="arc-zip">ARC (zip)</option>
          </select>
        </label>
        <label>File<input type="file" accept={format === "isa-json" ? ".json,application/json" : ".zip"} required
          onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} /></label>
        <ErrorNote error={action.error} />
        {imported ? <Notice>Imported {imported}.</Notice> : null}
        <div class="buttons"><button type="submit" class="primary" disabled={action.busy || !file}>Import</button></div>
      </form>
    </main>
  );
}

function Tables({ org, identifier, kind, id }: {
  org: string;
  identifier: string;
  kind: "study" | "assay";
  id: string;
}) {
  const tables = useLoad(() => call("get", "/api/v1/investigations/{organization}/{identifier}/tables", {
    path: { organization: org, identifier }, query: { [kind]: id },
  }), [org, identifier, kind, id]);
  if (tables.error) return <ErrorNote error={tables.error} />;
  if (!tables.data) return <Loading what="Loading tables" />;
  if (!tables.data.length) return <p class="muted">No tables.</p>;
  return (
    <>
      {tables.data.map((t) => (
        <div key={t.name}>
          <h3>{t.name} <span class="muted">({t.rows.length} rows)</span></h3>
          <VirtualTable headers={t.headers} rows={t.rows} label={`Table ${t.name}`} />
        </div>
      ))}
    </>
  );
}

export function InvestigationPage({ org, identifier }: { org: string; identifier: string }) {
  const path = { organization: org, identifier };
  const inv = useLoad(() => call("get", "/api/v1/investigations/{organization}/{identifier}", { path }), [org, identifier]);
  const datasets = useLoad(() => call("get", "/api/v1/datasets"), []);
  const [assay, setAssay] = useState("");
  const [dataset, setDataset] = useState("");
  const [layer, setLayer] = useState("");
  const [shown, setShown] = useState<{ kind: "study" | "assay"; id: string } | null>(null);
  const action = useAction();
  if (inv.error) return <main class="page"><ErrorNote error={inv.error} /></main>;
  if (!inv.data) return <main class="page"><Loading what="Loading the investigation" /></main>;
  const data = inv.data;
  const assays = Object.keys(data.assays);
  const chosenAssay = assay || assays[0] || "";
  const chosenDataset = dataset || (datasets.data?.[0] ? `${datasets.data[0].organization}/${datasets.data[0].name}` : "");
  const layers = datasets.data?.find((d) => `${d.organization}/${d.name}` === chosenDataset)?.layers ?? [];
  const exportUrl = (format: string) =>
    `/api/v1/investigations/${encodeURIComponent(org)}/${encodeURIComponent(identifier)}/export?format=${format}`;
  return (
    <main class="page">
      <p class="crumbs"><a href={`${BASE}/metadata`}>Metadata</a> › {identifier}</p>
      <h1>{data.title || data.identifier}</h1>
      <p class="actions">
        <a class="button" href={exportUrl("isa-json")} download>Export ISA-JSON</a>
        <a class="button" href={exportUrl("arc-zip")} download>Export ARC zip</a>
      </p>
      <section class="card"><Markdown text={data.description} /></section>
      <div class="cards">
        <section class="card">
          <h2>Studies</h2>
          {data.studies.length ? (
            <ul class="plain">
              {data.studies.map((s) => (
                <li key={s}>{s}{" "}
                  <button type="button" class="link" onClick={() => setShown({ kind: "study", id: s })}>tables</button>
                </li>
              ))}
            </ul>
          ) : <p class="muted">None.</p>}
        </section>
        <section class="card">
          <h2>Assays</h2>
          {assays.length ? (
            <ul class="plain">
              {assays.map((a) => (
                <li key={a}><strong>{a}</strong> <span class="muted">in {data.assays[a].join(", ") || "no study"}</span>{" "}
                  <button type="button" class="link" onClick={() => setShown({ kind: "assay", id: a })}>tables</button>
                </li>
              ))}
            </ul>
          ) : <p class="muted">None.</p>}
        </section>
      </div>
      {shown ? (
        <section class="card">
          <h2>Tables of {shown.kind} {shown.id}</h2>
          <Tables org={org} identifier={identifier} kind={shown.kind} id={shown.id} />
        </section>
      ) : null}
      <section class="card">
        <h2>Assay data in voxhub</h2>
        {data.links.length ? (
          <ul class="plain">
            {data.links.map((l) => {
              const [dOrg, dName] = l.dataset.split("/");
              return (
                <li key={l.id}>
                  Assay <strong>{l.assay}</strong> → <a href={href({ page: "dataset", org: dOrg, name: dName, token: null })}>{l.dataset}</a>
                  {l.layer ? ` (layer ${l.layer})` : ""}{" "}
                  <button type="button" class="link" onClick={() => action.run(async () => {
                    await call("delete", "/api/v1/investigations/{organization}/{identifier}/links/{link_id}", { path: { ...path, link_id: l.id } });
                    await inv.reload();
                  })}>remove</button>
                </li>
              );
            })}
          </ul>
        ) : <p class="muted">No assay is linked to a dataset yet.</p>}
        {assays.length && datasets.data?.length ? (
          <form class="row" onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              await call("post", "/api/v1/investigations/{organization}/{identifier}/assays/{assay}/links", {
                path: { ...path, assay: chosenAssay }, json: { dataset: chosenDataset, layer } });
              await inv.reload();
            });
          }}>
            <label>Assay<select value={chosenAssay} onChange={(e) => setAssay(e.currentTarget.value)}>
              {assays.map((a) => <option key={a} value={a}>{a}</option>)}</select></label>
            <label>Dataset<select value={chosenDataset} onChange={(e) => { setDataset(e.currentTarget.value); setLayer(""); }}>
              {datasets.data.map((d) => <option key={d.name} value={`${d.organization}/${d.name}`}>{d.displayName}</option>)}</select></label>
            <label>Layer<select value={layer} onChange={(e) => setLayer(e.currentTarget.value)}>
              <option value="">(whole dataset)</option>
              {layers.map((l) => <option key={l.name} value={l.name}>{l.name}</option>)}</select></label>
            <button type="submit" class="primary" disabled={action.busy}>Link</button>
          </form>
        ) : null}
        <ErrorNote error={action.error} />
      </section>
    </main>
  );
}
