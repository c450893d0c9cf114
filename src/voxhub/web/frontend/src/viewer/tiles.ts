/**
 * The part of a 3D chunk a plane shows: one 2D slice, and where it goes in a plane's
 * tile mosaic.
 *
 * A plane never needs a whole chunk on the GPU: XY at one z shows 64 × 64 of a 64³ chunk's
 * voxels. Uploading only that slice moves 1/64 of the bytes (measured: whole-chunk 3D
 * uploads were most of the main thread's time under SwiftShader). The slices of one plane,
 * layer and level live side by side in one 2D texture addressed modulo its size (a
 * toroidal "clipmap"): panning replaces only the tiles that scrolled in, and linear
 * interpolation reads across a chunk border from the neighbouring tile, so there is no seam.
 */
import type { ChunkArray } from "./chunksource";
import type { Vec3 } from "./dataset";
import { PLANE_AXES, type PlaneId } from "./geometry";

/**
 * Slice `index` (along the plane's w axis, in voxels of the chunk) of a chunk stored x
 * fastest, then y, then z, with `components` words per voxel; the result is u fastest, then
 * v (`shape[u]` × `shape[v]` voxels). XY slices are views, not copies.
 */
export function chunkSlice(data: ChunkArray, shape: Vec3, components: number, plane: PlaneId, index: number): ChunkArray {
  const [u, v, w] = PLANE_AXES[plane];
  const stride = [components, shape[0] * components, shape[0] * shape[1] * components];
  const size = shape[u] * shape[v] * components;
  if (plane === "xy") return data.subarray(index * stride[2], index * stride[2] + size) as ChunkArray;
  const out = new (data.constructor as new (n: number) => ChunkArray)(size);
  const base = index * stride[w];
  let o = 0;
  for (let j = 0; j < shape[v]; j++) {
    const row = base + j * stride[v];
    if (stride[u] === components) {
      // XZ: rows along x are contiguous in the chunk.
      out.set(data.subarray(row, row + shape[u] * components), o);
      o += shape[u] * components;
      continue;
    }
    for (let i = 0; i < shape[u]; i++) {
      const at = row + i * stride[u];
      for (let k = 0; k < components; k++) out[o++] = data[at + k];
    }
  }
  return out;
}

/** Tile slot of chunk (tu, tv) in a mosaic of `slots` tiles: tiles repeat modulo the mosaic. */
export function slotOf(tu: number, tv: number, slots: [number, number]): [number, number] {
  return [((tu % slots[0]) + slots[0]) % slots[0], ((tv % slots[1]) + slots[1]) % slots[1]];
}

/** Slots a mosaic needs to hold `span` visible tiles (plus one to pan into), at most the whole grid. */
export function slotsFor(span: [number, number], grid: [number, number]): [number, number] {
  return [Math.min(grid[0], span[0] + 1), Math.min(grid[1], span[1] + 1)];
}

/**
 * Where the tiles of a level that a mosaic does not hold are, as rectangles [u0, u1, v0, v1] in
 * mag-1 voxels, for drawing a coarser level there. Neighbours along u in a row of tiles make
 * one rectangle, and rectangles of the same span in consecutive rows one: software GL pays
 * for every draw, and a ring of missing tiles round a loaded centre (a zoom) made one or two
 * rectangles per row of tiles.
 */
export function missingRects(
  plane: PlaneId,
  level: { chunks: { coords: Vec3 }[]; chunkShape: Vec3; mag: Vec3 },
  held: Int32Array,
  slots: [number, number],
): number[][] {
  const [u, v] = PLANE_AXES[plane];
  const rows = new Map<number, number[]>();
  for (const { coords } of level.chunks) {
    const [su, sv] = slotOf(coords[u], coords[v], slots);
    const at = (sv * slots[0] + su) * 2;
    if (held[at] === coords[u] && held[at + 1] === coords[v]) continue;
    const row = rows.get(coords[v]) ?? [];
    row.push(coords[u]);
    rows.set(coords[v], row);
  }
  // Runs of tiles [tu0, tu1, tv0, tv1] (inclusive), merged down while the run below is the same.
  const open = new Map<string, number[]>();
  const runs: number[][] = [];
  for (const tv of [...rows.keys()].sort((a, b) => a - b)) {
    const tus = rows.get(tv)!.sort((a, b) => a - b);
    let start = tus[0];
    for (let i = 1; i <= tus.length; i++) {
      if (i < tus.length && tus[i] === tus[i - 1] + 1) continue;
      const key = `${start},${tus[i - 1]}`;
      const above = open.get(key);
      if (above && above[3] === tv - 1) above[3] = tv;
      else {
        const run = [start, tus[i - 1], tv, tv];
        runs.push(run);
        open.set(key, run);
      }
      start = tus[i];
    }
  }
  const size = [level.chunkShape[u] * level.mag[u], level.chunkShape[v] * level.mag[v]];
  return runs.map(([u0, u1, v0, v1]) => [u0 * size[0], (u1 + 1) * size[0], v0 * size[1], (v1 + 1) * size[1]]);
}
