/**
 * The viewer's state that a link must reproduce, parsed from and written to the URL hash.
 *
 * `#pos=x,y,z&zoom=z&layout=ortho&interp=linear&l.color=1~ffffff~100~0_255~0&l.seg=1~50~17~0`.
 * The hash (not the query) carries it so that changing the view never reloads the page and
 * the query stays free for the share `?token=`. Missing or malformed parts fall back to the
 * dataset's view configuration, then to defaults: a bad link still opens the dataset.
 * Rendering reads this state; only the controls (keys, mouse, panels) change it.
 */
import { datasetBounds, type DatasetInfo, type LayerInfo, type Vec3 } from "./dataset";

export type Layout = "ortho" | "xy" | "xz" | "yz";
export const LAYOUTS: Layout[] = ["ortho", "xy", "xz", "yz"];
export type Interpolation = "nearest" | "linear";

export interface ColorLayerState {
  kind: "color";
  visible: boolean;
  /** RGB 0-255. */
  color: Vec3;
  /** 0-100 percent. */
  opacity: number;
  /** Values mapped to black and full colour; null until known (then from the histogram). */
  range: [number, number] | null;
  inverted: boolean;
}

export interface SegmentationLayerState {
  kind: "segmentation";
  visible: boolean;
  opacity: number;
  /**
   * The selected segment id in decimal ("0": none). A string, not a number: uint64 ids
   * past 2^53 have no exact double, and the state must survive JSON and the URL.
   */
  selected: string;
  /** Draw only the selected segment. */
  onlySelected: boolean;
}

export type LayerState = ColorLayerState | SegmentationLayerState;

export interface ViewerState {
  /** Mag-1 voxel coordinates of the centre of every plane (x, y, z). */
  position: Vec3;
  /** Mag-1 voxels (of the finer of x and y) per screen pixel. */
  zoom: number;
  layout: Layout;
  interpolation: Interpolation;
  layers: Record<string, LayerState>;
}

const PALETTE: Vec3[] = [
  [255, 255, 255], [0, 255, 0], [255, 0, 255], [0, 255, 255], [255, 255, 0], [255, 0, 0],
];

function defaultRange(layer: LayerInfo): [number, number] | null {
  return layer.elementClass === "uint8" ? [0, 255] : null;
}

/** The state a dataset opens with: its view configuration, completed by defaults. */
export function defaultState(info: DatasetInfo, viewport = 800): ViewerState {
  const config = info.viewConfiguration ?? {};
  const { min, max } = datasetBounds(info);
  const centre: Vec3 = [0, 1, 2].map((i) => Math.floor((min[i] + max[i]) / 2)) as Vec3;
  const extent = Math.max((max[0] - min[0]) * info.voxelSize[0], (max[1] - min[1]) * info.voxelSize[1]);
  const fit = extent / viewport / Math.min(info.voxelSize[0], info.voxelSize[1]);
  const layers: Record<string, LayerState> = {};
  const colorLayers = info.layers.filter((l) => l.category === "color");
  for (const layer of info.layers) {
    const saved = config.layers?.[layer.name] ?? {};
    if (layer.category === "segmentation") {
      layers[layer.name] = {
        kind: "segmentation",
        visible: !saved.isDisabled,
        opacity: saved.alpha ?? 40,
        selected: "0",
        onlySelected: false,
      };
    } else {
      const index = colorLayers.indexOf(layer);
      layers[layer.name] = {
        kind: "color",
        visible: !saved.isDisabled,
        color: saved.color ?? (colorLayers.length === 1 ? PALETTE[0] : PALETTE[(index + 1) % PALETTE.length]),
        opacity: saved.alpha ?? 100,
        range: saved.intensityRange ?? defaultRange(layer),
        inverted: Boolean(saved.isInverted),
      };
    }
  }
  return {
    position: config.position ? [...config.position] : centre,
    zoom: config.zoom ?? 2 ** Math.ceil(Math.log2(Math.max(fit, 1e-6))),
    layout: "ortho",
    interpolation: config.interpolation ? "linear" : "nearest",
    layers,
  };
}

function num(text: string | undefined): number | null {
  if (text === undefined || text.trim() === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

const UINT64_MAX = (1n << 64n) - 1n;

/** A segment id in canonical decimal ("007" -> "7"), or null unless it is a uint64. */
export function segmentId(text: string | undefined): string | null {
  if (!text || !/^\d{1,20}$/.test(text)) return null;
  const id = BigInt(text);
  return id <= UINT64_MAX ? id.toString() : null;
}

function hex(text: string | undefined): Vec3 | null {
  if (!text || !/^[0-9a-f]{6}$/i.test(text)) return null;
  return [0, 2, 4].map((i) => parseInt(text.slice(i, i + 2), 16)) as Vec3;
}

function toHex(color: Vec3): string {
  return color.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

function parseLayer(text: string, base: LayerState): LayerState {
  const f = text.split("~");
  const visible = f[0] === "0" ? false : f[0] === "1" ? true : base.visible;
  if (base.kind === "segmentation") {
    return {
      ...base,
      visible,
      opacity: clamp(num(f[1]) ?? base.opacity, 0, 100),
      selected: segmentId(f[2]) ?? base.selected,
      onlySelected: f[3] === "1" ? true : f[3] === "0" ? false : base.onlySelected,
    };
  }
  let range = base.range;
  const bounds = (f[3] ?? "").split("_").map(num);
  if (bounds.length === 2 && bounds[0] !== null && bounds[1] !== null && bounds[0] <= bounds[1]) {
    range = [bounds[0], bounds[1]];
  }
  return {
    ...base,
    visible,
    color: hex(f[1]) ?? base.color,
    opacity: clamp(num(f[2]) ?? base.opacity, 0, 100),
    range,
    inverted: f[4] === "1" ? true : f[4] === "0" ? false : base.inverted,
  };
}

function formatLayer(state: LayerState): string {
  const v = state.visible ? "1" : "0";
  if (state.kind === "segmentation") {
    return [v, state.opacity, state.selected, state.onlySelected ? "1" : "0"].join("~");
  }
  const range = state.range ? `${+state.range[0].toPrecision(6)}_${+state.range[1].toPrecision(6)}` : "";
  return [v, toHex(state.color), state.opacity, range, state.inverted ? "1" : "0"].join("~");
}

/** Parse a URL hash (with or without "#") over the defaults `base`. */
export function parseState(hash: string, base: ViewerState): ViewerState {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const state: ViewerState = { ...base, position: [...base.position], layers: { ...base.layers } };
  const pos = (params.get("pos") ?? "").split(",").map(num);
  if (pos.length === 3 && pos.every((p) => p !== null)) state.position = pos as Vec3;
  const zoom = num(params.get("zoom") ?? undefined);
  if (zoom !== null && zoom > 0) state.zoom = clamp(zoom, 1e-3, 1e6);
  const layout = params.get("layout") as Layout | null;
  if (layout && LAYOUTS.includes(layout)) state.layout = layout;
  const interp = params.get("interp");
  if (interp === "nearest" || interp === "linear") state.interpolation = interp;
  for (const [name, layer] of Object.entries(base.layers)) {
    const text = params.get(`l.${name}`);
    if (text !== null) state.layers[name] = parseLayer(text, layer);
  }
  return state;
}

/** The hash (with "#") that `parseState` turns back into `state`. */
export function formatState(state: ViewerState): string {
  const round = (value: number) => +value.toFixed(2);
  const parts = [
    `pos=${state.position.map(round).join(",")}`,
    `zoom=${+state.zoom.toPrecision(6)}`,
    `layout=${state.layout}`,
    `interp=${state.interpolation}`,
  ];
  for (const [name, layer] of Object.entries(state.layers)) {
    parts.push(`l.${encodeURIComponent(name)}=${formatLayer(layer)}`);
  }
  return `#${parts.join("&")}`;
}

/** The state as the dataset's view configuration (what "Save as default view" stores). */
export function toViewConfiguration(state: ViewerState): Record<string, unknown> {
  const layers: Record<string, Record<string, unknown>> = {};
  for (const [name, layer] of Object.entries(state.layers)) {
    const entry: Record<string, unknown> = { alpha: layer.opacity, isDisabled: !layer.visible };
    if (layer.kind === "color") {
      entry.color = layer.color;
      entry.isInverted = layer.inverted;
      if (layer.range) entry.intensityRange = layer.range;
    }
    layers[name] = entry;
  }
  return {
    position: state.position.map(Math.floor),
    zoom: state.zoom,
    interpolation: state.interpolation === "linear",
    layers,
  };
}
