/**
 * A dataset as the viewer needs it, parsed once from `GET /api/v1/datasets/{org}/{name}`.
 *
 * The response's shape is the generated OpenAPI type (`DatasetOut`, `LayerOut` from
 * `npm run api-types`), so a renamed or retyped field fails `tsc`; what the schema leaves
 * open (a layer's bounding box and mags, the view configuration: WEBKNOSSOS-style JSON
 * objects) is checked here at run time.
 *
 * Coordinates are always (x, y, z) in mag-1 voxels; a mag is the (x, y, z) step of a level;
 * the voxel size is in the dataset's unit (nanometres for microscopy).
 */
import type { components } from "../app/api/schema";
import { type Exact, parseExactJson, uint64Digits } from "../app/lib/exactjson";

/** The answer as {@link parseDatasetText} reads it: a uint64 `largestSegmentId` as its digits. */
type DatasetOut = Exact<components["schemas"]["DatasetOut"]>;
type LayerOut = Exact<components["schemas"]["LayerOut"]>;

/** What `parseDataset` reads of the API's answer: the schema's fields (tests pass fewer). */
export type DatasetJson = Pick<DatasetOut, "organization" | "name"> &
  Partial<Omit<DatasetOut, "organization" | "name" | "layers">> & {
    layers?: (Pick<LayerOut, "name" | "category" | "elementClass" | "boundingBox" | "mags"> & Partial<LayerOut>)[];
  };

export type Vec3 = [number, number, number];

export type ElementClass = "uint8" | "uint16" | "uint32" | "uint64" | "float32" | "int8" | "int16" | "int32" | "float64";

export interface MagInfo {
  mag: Vec3;
  /** Path of the level's Zarr array below the dataset's /zarr URL, e.g. "color/2-2-1". */
  path: string;
  /** Index of each axis in the array's dimensions (c is optional). */
  axisOrder: { c?: number; x: number; y: number; z: number };
}

export interface LayerInfo {
  name: string;
  category: "color" | "segmentation";
  elementClass: ElementClass;
  /** Bounding box in mag-1 voxels: where data is. */
  topLeft: Vec3;
  size: Vec3;
  mags: MagInfo[];
  /** Its decimal digits, exact: uint64 ids go past what a JS number holds. */
  largestSegmentId: string | null;
}

export interface LayerViewConfig {
  color?: Vec3;
  alpha?: number;
  intensityRange?: [number, number];
  isDisabled?: boolean;
  isInverted?: boolean;
}

export interface ViewConfiguration {
  position?: Vec3;
  zoom?: number;
  interpolation?: boolean;
  layers?: Record<string, LayerViewConfig>;
}

export interface DatasetInfo {
  organization: string;
  name: string;
  displayName: string;
  isPublic: boolean;
  isEditable: boolean;
  voxelSize: Vec3;
  unit: string;
  tags: string[];
  layers: LayerInfo[];
  viewConfiguration: ViewConfiguration;
  /** The dataset's /zarr base URL, ending in "/". */
  zarrUrl: string;
}

/** Why the viewer cannot show a dataset, in words for the visitor. */
export class DatasetUnavailable extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "DatasetUnavailable";
  }
}

const SUPPORTED = new Set(["uint8", "uint16", "uint32", "uint64", "float32", "int8", "int16", "int32", "float64"]);
/** WEBKNOSSOS' names for float layers (what voxhub's properties say) -> the dtype. */
const ALIASES: Record<string, ElementClass> = { float: "float32", double: "float64" };

function vec3(value: unknown, what: string): Vec3 {
  if (!Array.isArray(value) || value.length !== 3 || value.some((v) => typeof v !== "number")) {
    throw new Error(`${what}: expected three numbers`);
  }
  return [value[0], value[1], value[2]];
}

function magName(mag: Vec3): string {
  return mag[0] === mag[1] && mag[1] === mag[2] ? String(mag[0]) : mag.join("-");
}

interface MagJson {
  mag?: unknown;
  path?: unknown;
  axisOrder?: { c?: number; x: number; y: number; z: number };
}

function parseMag(raw: MagJson, layer: string): MagInfo {
  let mag: Vec3;
  if (Array.isArray(raw.mag)) {
    mag = vec3(raw.mag, "mag");
  } else {
    const parts = String(raw.mag).split("-").map(Number);
    mag = parts.length === 3 ? vec3(parts, "mag") : [parts[0], parts[0], parts[0]];
  }
  let path = `${layer}/${magName(mag)}`;
  if (typeof raw.path === "string" && !/^[a-z][a-z0-9+.-]*:/i.test(raw.path)) {
    path = raw.path.replace(/^\.?\/+/, "");
  }
  const order = raw.axisOrder ?? { c: 0, z: 1, y: 2, x: 3 };
  return { mag, path, axisOrder: { c: order.c, x: order.x, y: order.y, z: order.z } };
}

/** A largest segment id as its exact digits: a uint64, or null; anything else is refused. */
function segmentId(value: unknown, layer: string): string | null {
  if (value === null || value === undefined) return null;
  const digits = uint64Digits(value);
  if (digits === null) {
    throw new Error(`layer ${layer}: largestSegmentId ${JSON.stringify(value)} is not a whole number from 0 to 2^64 - 1`);
  }
  return digits;
}

/** Parse the JSON of the dataset route (only what the viewer uses; unknown keys ignored). */
export function parseDataset(raw: DatasetJson): DatasetInfo {
  const layers: LayerInfo[] = [];
  for (const layer of raw.layers ?? []) {
    const elementClass = ALIASES[layer.elementClass] ?? layer.elementClass;
    if (!SUPPORTED.has(elementClass)) continue;
    const box = (layer.boundingBox ?? {}) as { topLeft?: unknown; width?: number; height?: number; depth?: number };
    const mags = (layer.mags ?? []).map((m) => parseMag(m as MagJson, layer.name));
    mags.sort((a: MagInfo, b: MagInfo) => a.mag[0] * a.mag[1] * a.mag[2] - b.mag[0] * b.mag[1] * b.mag[2]);
    layers.push({
      name: layer.name,
      category: layer.category === "segmentation" ? "segmentation" : "color",
      elementClass: elementClass as ElementClass,
      topLeft: vec3(box.topLeft ?? [0, 0, 0], "topLeft"),
      size: vec3([box.width, box.height, box.depth], "boundingBox size"),
      mags,
      largestSegmentId: segmentId(layer.largestSegmentId, layer.name),
    });
  }
  const base: string = raw.zarrUrl ?? `/zarr/${raw.organization}/${raw.name}/`;
  return {
    organization: raw.organization,
    name: raw.name,
    displayName: raw.displayName ?? raw.name,
    isPublic: Boolean(raw.isPublic),
    isEditable: Boolean(raw.isEditable),
    voxelSize: vec3(raw.voxelSize ?? [1, 1, 1], "voxelSize"),
    unit: raw.unit ?? "nanometer",
    tags: raw.tags ?? [],
    layers,
    viewConfiguration: raw.viewConfiguration ?? {},
    zarrUrl: base.endsWith("/") ? base : `${base}/`,
  };
}

/** The union of the layers' bounding boxes: [min, max) in mag-1 voxels. */
export function datasetBounds(info: DatasetInfo): { min: Vec3; max: Vec3 } {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const layer of info.layers) {
    for (let i = 0; i < 3; i++) {
      min[i] = Math.min(min[i], layer.topLeft[i]);
      max[i] = Math.max(max[i], layer.topLeft[i] + layer.size[i]);
    }
  }
  if (!info.layers.length) return { min: [0, 0, 0], max: [1, 1, 1] };
  return { min, max };
}

/** Query string carrying a share token, for every request the viewer makes ("" without). */
export function tokenQuery(token: string | null): string {
  return token ? `?token=${encodeURIComponent(token)}` : "";
}

/** The share token of the page's `?token=` (or WEBKNOSSOS' `?sharingToken=`), if any. */
export function shareToken(): string | null {
  const params = new URLSearchParams(location.search);
  return params.get("token") ?? params.get("sharingToken");
}

/** Start fetching a dataset's description (`loadDataset` takes the answer). */
export function requestDataset(org: string, name: string, token: string | null, fetcher: typeof fetch = fetch): Promise<Response> {
  const url = `/api/v1/datasets/${encodeURIComponent(org)}/${encodeURIComponent(name)}${tokenQuery(token)}`;
  return fetcher(url, { credentials: "same-origin" });
}

/**
 * Fetch and parse a dataset; access problems become a `DatasetUnavailable` with a readable text.
 * `requested`: the answer of a `requestDataset` started earlier (the page starts it while the
 * viewer's code still loads: one round trip less before the first chunk).
 */
export async function loadDataset(
  org: string,
  name: string,
  token: string | null,
  fetcher: typeof fetch = fetch,
  requested?: Promise<Response>,
): Promise<DatasetInfo> {
  let response: Response;
  try {
    response = await (requested ?? requestDataset(org, name, token, fetcher));
  } catch {
    throw new DatasetUnavailable("The server could not be reached.", 0);
  }
  if (response.status === 404 || response.status === 403) {
    throw new DatasetUnavailable(
      `Dataset ${org}/${name} does not exist or you may not view it. Log in, or ask its owners for a sharing link.`,
      response.status,
    );
  }
  if (response.status === 401) {
    throw new DatasetUnavailable("This link's token is not valid (any more). Ask for a new sharing link.", 401);
  }
  if (!response.ok) {
    throw new DatasetUnavailable(`The server answered ${response.status} for dataset ${org}/${name}.`, response.status);
  }
  return parseDataset(parseDatasetText(await response.text()));
}

/**
 * The dataset's JSON with each layer's largestSegmentId kept as its exact digits:
 * JSON.parse would round a uint64 id above 2^53 to the nearest double. A value that is not
 * plain digits (`1e3`, `12.5`, `-1`) stays a number, which {@link parseDataset} checks.
 */
export function parseDatasetText(text: string): DatasetOut {
  return parseExactJson(text) as DatasetOut;
}
