/** Dataset settings, as WEBKNOSSOS has them: Data, Sharing & permissions, Metadata, View, Delete. */
import { useState } from "preact/hooks";
import { call } from "../api/client";
import { Markdown } from "../components/DatasetDetails";
import { DataTab, NumberInput, SharingTab, type TabProps, datasetPath } from "./SettingsTabs";
import { ErrorNote, Loading, Notice, Tabs } from "../components/ui";
import { parseTags } from "../lib/filters";
import { type MetadataRow, type MetadataType, fromRows, toRows } from "../lib/metadata";
import { navigate, useAction, useLoad } from "../lib/hooks";
import { BASE, type SettingsTab, href } from "../lib/route";

const path = datasetPath;

function MetadataTab({ dataset, onChange }: TabProps) {
  const [displayName, setDisplayName] = useState(dataset.displayName);
  const [description, setDescription] = useState(dataset.description);
  const [tags, setTags] = useState(dataset.tags.join(", "));
  const [rows, setRows] = useState<MetadataRow[]>(() => toRows(dataset.metadata));
  const [saved, setSaved] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const setRow = (index: number, patch: Partial<MetadataRow>) =>
    setRows(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)));
  const save = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const parsed = fromRows(rows);
    if ("problem" in parsed) {
      setProblem(parsed.problem);
      return;
    }
    setProblem(null);
    const d = await action.run(() => call("patch", "/api/v1/datasets/{organization}/{name}", {
      path: path(dataset),
      json: { displayName, description, tags: parseTags(tags), metadata: parsed.entries },
    }));
    if (d) {
      onChange(d);
      setRows(toRows(d.metadata));
      setSaved(true);
    }
  };
  return (
    <form class="form wide" onSubmit={save}>
      <label>Display name<input value={displayName} maxLength={256} onInput={(e) => setDisplayName(e.currentTarget.value)} /></label>
      <div class="split">
        <label>
          Description (Markdown)
          <textarea rows={10} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <div>
          <span class="label">Preview</span>
          <div class="preview"><Markdown text={description} /></div>
        </div>
      </div>
      <label>Tags (comma separated)<input value={tags} onInput={(e) => setTags(e.currentTarget.value)} /></label>
      <fieldset>
        <legend>Key–value metadata</legend>
        {rows.length ? null : <p class="muted">No metadata yet.</p>}
        {rows.map((row, i) => (
          <div class="kv" key={i}>
            <label>Key {i + 1}<input value={row.key} maxLength={128} onInput={(e) => setRow(i, { key: e.currentTarget.value })} /></label>
            <label>Type {i + 1}
              <select value={row.type} onChange={(e) => setRow(i, { type: e.currentTarget.value as MetadataType })}>
                <option value="string">text</option>
                <option value="number">number</option>
                <option value="string[]">list of text</option>
              </select>
            </label>
            <label>Value {i + 1}<input value={row.text} maxLength={2000}
              placeholder={row.type === "string[]" ? "comma separated" : ""}
              onInput={(e) => setRow(i, { text: e.currentTarget.value })} /></label>
            <button type="button" aria-label={`Remove metadata ${row.key || i + 1}`}
              onClick={() => setRows(rows.filter((_, j) => j !== i))}>Remove</button>
          </div>
        ))}
        <div class="buttons">
          <button type="button" onClick={() => setRows([...rows, { key: "", type: "string", text: "" }])}>Add metadata entry</button>
        </div>
      </fieldset>
      <ErrorNote error={problem ?? action.error} />
      {saved ? <Notice>Saved.</Notice> : null}
      <div class="buttons"><button type="submit" class="primary" disabled={action.busy}>Save</button></div>
    </form>
  );
}

interface LayerView {
  color?: string;
  alpha?: number;
  intensityRange?: [number, number];
  isDisabled?: boolean;
}

function ViewTab({ dataset, onChange }: TabProps) {
  const config = dataset.viewConfiguration as {
    position?: [number, number, number];
    zoom?: number;
    interpolation?: boolean;
    layers?: Record<string, LayerView>;
  };
  const [position, setPosition] = useState<[number, number, number]>(config.position ?? [0, 0, 0]);
  const [zoom, setZoom] = useState(config.zoom ?? 1);
  const [interpolation, setInterpolation] = useState(config.interpolation ?? false);
  const [layers, setLayers] = useState<Record<string, LayerView>>(config.layers ?? {});
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const layerOf = (name: string): LayerView => layers[name] ?? {};
  const setLayer = (name: string, patch: LayerView) => setLayers({ ...layers, [name]: { ...layerOf(name), ...patch } });
  const save = async (event: Event) => {
    event.preventDefault();
    const d = await action.run(() => call("patch", "/api/v1/datasets/{organization}/{name}", {
      path: path(dataset),
      json: { viewConfiguration: { ...dataset.viewConfiguration, position, zoom, interpolation, layers } },
    }));
    if (d) {
      onChange(d);
      setSaved(true);
    }
  };
  return (
    <form class="form wide" onSubmit={save}>
      <p class="hint">What the viewer shows first when this dataset is opened.</p>
      <fieldset>
        <legend>Default position (voxels) and zoom</legend>
        <div class="row">
          {(["x", "y", "z"] as const).map((axis, i) => (
            <NumberInput key={axis} label={`Position ${axis}`} value={position[i]} integer onChange={(v) => {
              const next = [...position] as [number, number, number];
              next[i] = v;
              setPosition(next);
            }} />
          ))}
          <NumberInput label="Zoom" value={zoom} min={0} onChange={setZoom} />
        </div>
        <label class="check">
          <input type="checkbox" checked={interpolation} onChange={(e) => setInterpolation(e.currentTarget.checked)} />
          Interpolation
        </label>
      </fieldset>
      {dataset.layers.map((layer) => {
        const view = layerOf(layer.name);
        const range = view.intensityRange ?? [0, layer.elementClass === "uint8" ? 255 : 65535];
        return (
          <fieldset key={layer.name}>
            <legend>Layer {layer.name}</legend>
            <div class="row">
              <label class="check">
                <input type="checkbox" checked={!view.isDisabled}
                  onChange={(e) => setLayer(layer.name, { isDisabled: !e.currentTarget.checked })} />
                Visible
              </label>
              {layer.category === "color" ? (
                <label class="num">Colour<input type="color" value={view.color ?? "#ffffff"}
                  onInput={(e) => setLayer(layer.name, { color: e.currentTarget.value })} /></label>
              ) : null}
              <NumberInput label="Opacity (0–1)" value={view.alpha ?? 1} min={0} step="0.05"
                onChange={(v) => setLayer(layer.name, { alpha: v })} />
              {layer.category === "color" ? (
                <>
                  <NumberInput label="Intensity min" value={range[0]} onChange={(v) => setLayer(layer.name, { intensityRange: [v, range[1]] })} />
                  <NumberInput label="Intensity max" value={range[1]} onChange={(v) => setLayer(layer.name, { intensityRange: [range[0], v] })} />
                </>
              ) : null}
            </div>
          </fieldset>
        );
      })}
      <ErrorNote error={action.error} />
      {saved ? <Notice>Saved.</Notice> : null}
      <div class="buttons"><button type="submit" class="primary" disabled={action.busy}>Save</button></div>
    </form>
  );
}

function DeleteTab({ dataset }: TabProps) {
  const [typed, setTyped] = useState("");
  const action = useAction();
  const remove = async (event: Event) => {
    event.preventDefault();
    const done = await action.run(() => call("delete", "/api/v1/datasets/{organization}/{name}", {
      path: path(dataset), query: { confirm: typed } }));
    if (done) navigate(`${BASE}/trash`);
  };
  return (
    <form class="form" onSubmit={remove}>
      <p>The dataset moves to the trash, where admins and dataset managers can restore it until it is purged.</p>
      <label>
        Type <strong class="mono">{dataset.name}</strong> to confirm
        <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoComplete="off" />
      </label>
      <ErrorNote error={action.error} />
      <div class="buttons">
        <button type="submit" class="danger" disabled={action.busy || typed !== dataset.name}>Delete dataset</button>
      </div>
    </form>
  );
}

const TABS: { id: SettingsTab; label: string }[] = [
  { id: "data", label: "Data" },
  { id: "sharing", label: "Sharing & permissions" },
  { id: "metadata", label: "Metadata" },
  { id: "view", label: "View configuration" },
  { id: "delete", label: "Delete" },
];

export function SettingsPage({ org, name, tab }: { org: string; name: string; tab: SettingsTab }) {
  const dataset = useLoad(
    () => call("get", "/api/v1/datasets/{organization}/{name}", { path: { organization: org, name } }),
    [org, name],
  );
  const d = dataset.data;
  const body = d ? (() => {
    const props = { dataset: d, onChange: dataset.set };
    switch (tab) {
      case "data": return <DataTab {...props} />;
      case "sharing": return <SharingTab {...props} />;
      case "metadata": return <MetadataTab {...props} />;
      case "view": return <ViewTab {...props} />;
      case "delete": return <DeleteTab {...props} />;
    }
  })() : null;
  return (
    <main class="page">
      <p class="crumbs"><a href={`${BASE}/`}>Datasets</a> › <a href={href({ page: "dataset", org, name, token: null })}>{d?.displayName ?? name}</a></p>
      <h1>Settings of {d?.displayName ?? name}</h1>
      <ErrorNote error={dataset.error} />
      {dataset.loading && !d ? <Loading what="Loading the dataset" /> : null}
      {d && !d.isEditable ? <ErrorNote error="You may view this dataset but not change its settings." /> : null}
      {d && d.isEditable ? (
        <>
          <Tabs current={tab} tabs={TABS.map((t) => ({ ...t, href: href({ page: "settings", org, name, tab: t.id }) }))} />
          <section class="card">{body}</section>
        </>
      ) : null}
    </main>
  );
}
