/**
 * `/ui/view/{org}/{dataset}`: load the dataset (with the session cookie, or the share
 * token of `?token=`), then start the viewer; access problems show a message and no data
 * is requested at all.
 */
import { h, render } from "preact";
import { ZarrChunkSource } from "./chunksource";
import { spawnWorkers, WorkerChunkSource } from "./workerpool";
import { DatasetUnavailable, loadDataset, shareToken, type DatasetInfo } from "./dataset";
import { layerHistogram, percentileRange, type Histogram } from "./histogram";
import { Message, ViewerApp, type Extras } from "./ui";
import { defaultState, parseState, toViewConfiguration } from "./urlstate";
import { visibleChunks } from "./geometry";
import { ViewController } from "./view";
import "./viewer.css";

declare global {
  interface Window {
    __voxhubViewer?: Record<string, unknown>;
  }
}


function csrfToken(): string {
  const found = document.cookie.split("; ").find((c) => c.startsWith("voxhub_csrf="));
  return found ? decodeURIComponent(found.slice("voxhub_csrf=".length)) : "";
}

async function saveDefault(info: DatasetInfo, controller: ViewController): Promise<string> {
  const response = await fetch(`/api/v1/datasets/${encodeURIComponent(info.organization)}/${encodeURIComponent(info.name)}`, {
    method: "PATCH",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify({ viewConfiguration: toViewConfiguration(controller.state) }),
  });
  if (response.ok) return "Saved as the dataset's default view.";
  const body = await response.json().catch(() => ({}));
  return `Not saved: ${body.detail ?? response.status}`;
}

/** The m/z axis of an OpenMSI layer (its `mz` array), or null for other layers. */
async function msiAxis(source: ZarrChunkSource | WorkerChunkSource, info: DatasetInfo): Promise<((z: number) => number | null) | null> {
  const layer = info.layers[0];
  if (!layer) return null;
  const group = await source.store.get(`/${layer.name}/zarr.json`);
  if (!group) return null;
  const attrs = JSON.parse(new TextDecoder().decode(group)).attributes ?? {};
  if (!attrs.voxhub?.msi) return null;
  const zarr = await import("zarrita");
  const array = await zarr.open.v3(zarr.root(source.store).resolve(`${layer.name}/mz`), { kind: "array" });
  const values = (await zarr.get(array)).data as Float64Array;
  return (z) => (z >= 0 && z < values.length ? values[z] : null);
}

/** `requested`: the dataset's description, asked for by the page while this module loaded. */
export async function mountViewer(root: HTMLElement, org: string, dataset: string, requested?: Promise<Response>): Promise<void> {
  document.title = `${org}/${dataset} — voxhub viewer`;
  const token = shareToken();
  // Decoding in workers keeps frames smooth (without Worker support: on the main thread);
  // they start now so that their start-up overlaps loading the dataset.
  const workers = typeof Worker === "function" ? spawnWorkers() : null;
  let info: DatasetInfo;
  try {
    info = await loadDataset(org, dataset, token, fetch, requested);
  } catch (error) {
    for (const worker of workers ?? []) worker.terminate();
    const text = error instanceof DatasetUnavailable ? error.message : String(error);
    render(h(Message, { title: "This dataset cannot be shown", text }), root);
    window.__voxhubViewer = { error: text };
    return;
  }
  const source = workers ? new WorkerChunkSource(info, token, workers) : new ZarrChunkSource(info, token);
  const canvas = document.createElement("canvas");
  const base = defaultState(info, Math.min(window.innerWidth, window.innerHeight) / 2);
  let controller: ViewController;
  try {
    controller = new ViewController(info, source, canvas, parseState(location.hash, base));
  } catch (error) {
    render(h(Message, { title: "The viewer cannot start", text: String((error as Error).message ?? error) }), root);
    return;
  }
  const extras: Extras = {
    histograms: {},
    saveDefault: info.isEditable ? () => saveDefault(info, controller) : null,
    openmsiUrl: null,
    mzAt: null,
  };
  const draw = () => render(h(ViewerApp, { controller, extras }), root);
  window.__voxhubViewer = {
    controller,
    get stats() {
      return { ...controller.stats(), store: source.storeStats() };
    },
    get state() {
      return controller.state;
    },
    visibleChunks,
    readPlane: (plane: "xy" | "xz" | "yz") => controller.readPlane(plane),
    update: (change: Record<string, unknown>) => controller.update(change),
  };
  window.addEventListener("hashchange", () => {
    const next = parseState(location.hash, controller.state);
    if (JSON.stringify(next) !== JSON.stringify(controller.state)) controller.update(next);
  });
  draw();
  await controller.start();
  controller.writeHash();
  // Histograms from the coarsest level; a colour layer without a range gets one from it.
  for (const layer of info.layers) {
    if (layer.category !== "color") continue;
    layerHistogram(source, layer, controller.levels.get(layer.name)!).then((histogram: Histogram) => {
      extras.histograms[layer.name] = histogram;
      const state = controller.state.layers[layer.name];
      if (state?.kind === "color" && state.range === null) {
        controller.update({ layers: { ...controller.state.layers, [layer.name]: { ...state, range: percentileRange(histogram) } } });
      }
      draw();
    });
  }
  // The m/z axis waits for the first complete picture (or 3 s): its layer group's metadata took
  // one of the browser's six connections to the server for 300-500 ms while the first chunks
  // were loading, and only an MSI layer has one.
  await new Promise<void>((resolve) => {
    if (controller.complete) return resolve();
    const timer = setTimeout(done, 3000);
    const off = controller.onChange(() => controller.complete && done());
    function done() {
      clearTimeout(timer);
      off();
      resolve();
    }
  });
  msiAxis(source, info).then((mzAt) => {
    if (!mzAt) return;
    extras.mzAt = mzAt;
    extras.openmsiUrl = `/openmsi/client/viewer/?file=${encodeURIComponent(`${org}/${dataset}`)}`;
    draw();
  }).catch(() => undefined);
}
