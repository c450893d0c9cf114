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
