/**
 * Planes, screen <-> voxel mapping, the mag that fits the screen and the chunks a plane shows.
 *
 * Pure functions: the renderer, the loader and the tests share them, so "which chunks are
 * visible" is decided in one place. Positions are mag-1 voxel coordinates (x, y, z), floats;
 * the voxel `floor(p)` is the one under point `p`. Screen distances become voxel distances
 * through the physical voxel size, so anisotropic voxels are drawn at their physical aspect.
 */
import type { Level } from "./chunksource";
import type { Vec3 } from "./dataset";

export type PlaneId = "xy" | "xz" | "yz";
export const PLANES: PlaneId[] = ["xy", "xz", "yz"];

/** Which dataset axis runs right (u), down (v) and through the screen (w), as in WEBKNOSSOS. */
export const PLANE_AXES: Record<PlaneId, [number, number, number]> = {
  xy: [0, 1, 2],
  xz: [0, 2, 1],
  yz: [2, 1, 0],
};

export interface PlaneView {
  plane: PlaneId;
  /** Viewport size in CSS pixels. */
  width: number;
  height: number;
  /** Centre of the viewport, mag-1 voxels. */
  position: Vec3;
  /** Physical size of one screen pixel (dataset unit, e.g. nm). */
  pixelSize: number;
  voxelSize: Vec3;
}

/**
 * Physical size of a screen pixel at `zoom` (zoom 1: one mag-1 x/y voxel per pixel, the finer
 * of the two). z is left out: for an MSI cube it is the m/z axis, whose "voxel size" is no length.
 */
export function pixelSizeOf(zoom: number, voxelSize: Vec3): number {
  return zoom * Math.min(voxelSize[0], voxelSize[1]);
}

/** The dataset point (mag-1 voxels) under a screen pixel offset (px, py) from the viewport's top left. */
export function screenToVoxel(view: PlaneView, px: number, py: number): Vec3 {
  const [u, v] = PLANE_AXES[view.plane];
  const out: Vec3 = [...view.position];
  out[u] = view.position[u] + ((px - view.width / 2) * view.pixelSize) / view.voxelSize[u];
  out[v] = view.position[v] + ((py - view.height / 2) * view.pixelSize) / view.voxelSize[v];
  return out;
}

/** Screen offset of a dataset point in this plane (the w coordinate is ignored). */
export function voxelToScreen(view: PlaneView, point: Vec3): [number, number] {
  const [u, v] = PLANE_AXES[view.plane];
  return [
    view.width / 2 + ((point[u] - view.position[u]) * view.voxelSize[u]) / view.pixelSize,
    view.height / 2 + ((point[v] - view.position[v]) * view.voxelSize[v]) / view.pixelSize,
  ];
}

/** The visible area: [min, max) in mag-1 voxels along u and v. */
export function visibleRange(view: PlaneView): { u: [number, number]; v: [number, number] } {
  const a = screenToVoxel(view, 0, 0);
  const b = screenToVoxel(view, view.width, view.height);
  const [u, v] = PLANE_AXES[view.plane];
  return { u: [a[u], b[u]], v: [a[v], b[v]] };
}

/**
 * Index of the level to draw: the coarsest whose in-plane voxel is not larger than a screen
 * pixel (so no detail the screen could show is lost), else the finest.
 */
export function levelFor(plane: PlaneId, pixelSize: number, voxelSize: Vec3, mags: Vec3[]): number {
  const [u, v] = PLANE_AXES[plane];
  let best = 0;
  mags.forEach((mag, index) => {
    const finest = Math.min(voxelSize[u] * mag[u], voxelSize[v] * mag[v]);
    if (finest <= pixelSize * 1.0001 && mag[u] * mag[v] > mags[best][u] * mags[best][v]) best = index;
  });
  return best;
}

export interface ChunkRef {
  level: number;
  coords: Vec3;
}

/** The chunks of `level` that the plane shows, nearest the centre first. */
export function visibleChunks(view: PlaneView, level: Level, index: number, margin = 0): ChunkRef[] {
  const [u, v, w] = PLANE_AXES[view.plane];
  const range = visibleRange(view);
  const slice = Math.floor(Math.floor(view.position[w]) / level.mag[w]);
  if (slice < 0 || slice >= level.shape[w]) return [];
  const cw = Math.floor(slice / level.chunk[w]);
  const span = (axis: number, [lo, hi]: [number, number]): [number, number] => {
    const first = Math.max(0, Math.floor(lo / level.mag[axis] / level.chunk[axis]) - margin);
    const last = Math.min(
      Math.ceil(level.shape[axis] / level.chunk[axis]) - 1,
      Math.floor((hi - 1e-9) / level.mag[axis] / level.chunk[axis]) + margin,
    );
    return [first, last];
  };
  const [u0, u1] = span(u, range.u);
  const [v0, v1] = span(v, range.v);
  const centre = [view.position[u] / level.mag[u] / level.chunk[u], view.position[v] / level.mag[v] / level.chunk[v]];
  const out: { ref: ChunkRef; d: number }[] = [];
  for (let i = u0; i <= u1; i++) {
    for (let j = v0; j <= v1; j++) {
      const coords: Vec3 = [0, 0, 0];
      coords[u] = i;
      coords[v] = j;
      coords[w] = cw;
      out.push({ ref: { level: index, coords }, d: (i + 0.5 - centre[0]) ** 2 + (j + 0.5 - centre[1]) ** 2 });
    }
  }
  out.sort((a, b) => a.d - b.d);
  return out.map((o) => o.ref);
}

/** The chunk layer `steps` chunks further along w (for prefetching), or none past the data. */
export function shiftedView(view: PlaneView, level: Level, steps: number): PlaneView | null {
  const w = PLANE_AXES[view.plane][2];
  const position: Vec3 = [...view.position];
  position[w] += steps * level.chunk[w] * level.mag[w];
  if (position[w] < 0 || position[w] >= level.shape[w] * level.mag[w]) return null;
  return { ...view, position };
}

/** A "nice" scale bar length (1, 2 or 5 × 10^n units) near `target` units. */
export function niceLength(target: number): number {
  const power = 10 ** Math.floor(Math.log10(target));
  for (const step of [5, 2, 1]) if (step * power <= target) return step * power;
  return power;
}

/** A physical length in words: nanometres grow into µm and mm. */
export function formatLength(value: number, unit: string): string {
  if (unit === "nanometer" || unit === "nm") {
    if (value >= 1e6) return `${+(value / 1e6).toPrecision(3)} mm`;
    if (value >= 1e3) return `${+(value / 1e3).toPrecision(3)} µm`;
    return `${+value.toPrecision(3)} nm`;
  }
  const short: Record<string, string> = { micrometer: "µm", millimeter: "mm", meter: "m" };
  return `${+value.toPrecision(3)} ${short[unit] ?? unit}`;
}
