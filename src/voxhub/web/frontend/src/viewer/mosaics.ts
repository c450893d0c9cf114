/**
 * The tile mosaics on the GPU (see `tiles.ts`): for every plane, layer and level one 2D texture
 * holding the slices of the chunks it shows, and a small one saying which tile each slot holds.
 *
 * A mosaic is made when a plane first needs it (again, larger, when it needs more slots), takes
 * the tiles whose chunks are loaded and gives its memory back when no plane used it for a while.
 * Uploads are bounded per frame in time, so a burst of arriving chunks is spread over frames
 * instead of stalling one.
 */
import type { Chunk } from "./chunksource";
import type { ElementClass, LayerInfo } from "./dataset";
import { PLANE_AXES, type PlaneId, type PlaneView } from "./geometry";
import type { DrawLevel } from "./renderer";
import { chunkSlice, slotOf, slotsFor } from "./tiles";

export type TextureFormat = [internal: number, format: number, type: number, components: 1 | 2];

export function formatOf(gl: WebGL2RenderingContext, elementClass: ElementClass): TextureFormat {
  switch (elementClass) {
    case "uint64":
      return [gl.RG32UI, gl.RG_INTEGER, gl.UNSIGNED_INT, 2];
    case "uint8":
      return [gl.R8UI, gl.RED_INTEGER, gl.UNSIGNED_BYTE, 1];
    case "uint16":
      return [gl.R16UI, gl.RED_INTEGER, gl.UNSIGNED_SHORT, 1];
    case "uint32":
      return [gl.R32UI, gl.RED_INTEGER, gl.UNSIGNED_INT, 1];
    default: // float32 and the types read as float32 (see `toTextureArray`)
      return [gl.R32F, gl.RED, gl.FLOAT, 1];
  }
}

/** The slices of one plane, layer and level on the GPU, and which tile each slot holds. */
export interface Mosaic {
  texture: WebGLTexture;
  heldTexture: WebGLTexture;
  format: TextureFormat;
  slots: [number, number];
  tile: [number, number];
  /** Per slot (u fastest): the tile (tu, tv) it holds, or (-1, -1). */
  held: Int32Array;
  heldDirty: boolean;
  /** The slice (voxels of the level along w) the held tiles are from. */
  slice: number;
  lastFrame: number;
  bytes: number;
}

/** The renderer's counters that the mosaics keep (`frames` is the renderer's, read here). */
export interface MosaicStats {
  frames: number;
  uploads: number;
  uploadedBytes: number;
  textures: number;
  textureBytes: number;
}

export class Mosaics {
  /** Tiles whose chunk is loaded but whose upload waits for a later frame (the last frame's). */
  deferred = 0;
  #mosaics = new Map<string, Mosaic>();
  #maxTexture: number;
  #uploadedThisFrame = 0;
  #deadline = 0;

  constructor(
    readonly gl: WebGL2RenderingContext,
    readonly stats: MosaicStats,
  ) {
    this.#maxTexture = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
  }

  /** A frame starts: tiles are uploaded for `uploadMs` from now (at least one). */
  beginFrame(uploadMs: number): void {
    this.#deadline = performance.now() + uploadMs;
    this.#uploadedThisFrame = 0;
    this.deferred = 0;
  }

  /** The mosaic of a plane, layer and level, (re)made when it has fewer slots than needed. */
  get(plane: PlaneId, layer: LayerInfo, level: DrawLevel): Mosaic {
    const key = `${plane}|${layer.name}|${level.level}`;
    const [u, v] = PLANE_AXES[plane];
    const tile: [number, number] = [level.chunkShape[u], level.chunkShape[v]];
    const grid: [number, number] = [Math.ceil(level.arrayShape[u] / tile[0]), Math.ceil(level.arrayShape[v] / tile[1])];
    let lo = [Infinity, Infinity];
    let hi = [-Infinity, -Infinity];
    for (const { coords } of level.chunks) {
      lo = [Math.min(lo[0], coords[u]), Math.min(lo[1], coords[v])];
      hi = [Math.max(hi[0], coords[u]), Math.max(hi[1], coords[v])];
    }
    const span: [number, number] = level.chunks.length ? [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1] : [1, 1];
    const gl = this.gl;
    // Past the GPU's largest texture, fewer slots: tiles then share a slot and the one not
    // held shows the coarser level (never wrong voxels: the shader checks `u_held`).
    const most = this.#maxTexture;
    const wanted = slotsFor(span, grid);
    const slots: [number, number] = [Math.max(1, Math.min(wanted[0], Math.floor(most / tile[0]))), Math.max(1, Math.min(wanted[1], Math.floor(most / tile[1])))];
    const found = this.#mosaics.get(key);
    if (found && found.slots[0] >= Math.min(span[0], slots[0]) && found.slots[1] >= Math.min(span[1], slots[1])) {
      found.lastFrame = this.stats.frames;
      return found;
    }
    if (found) this.#drop(key, found);
    const format = formatOf(gl, layer.elementClass);
    const texture = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texStorage2D(gl.TEXTURE_2D, 1, format[0], slots[0] * tile[0], slots[1] * tile[1]);
    const heldTexture = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, heldTexture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RG32I, slots[0], slots[1]);
    const bytesPerVoxel = { [gl.R8UI]: 1, [gl.R16UI]: 2 }[format[0]] ?? (format[3] === 2 ? 8 : 4);
    const mosaic: Mosaic = {
      texture, heldTexture, format, slots, tile, held: new Int32Array(slots[0] * slots[1] * 2).fill(-1), heldDirty: true,
      slice: -1, lastFrame: this.stats.frames, bytes: slots[0] * tile[0] * slots[1] * tile[1] * bytesPerVoxel,
    };
    this.#mosaics.set(key, mosaic);
    this.#count();
    return mosaic;
  }

  /**
   * Bring the tiles of `level` into its mosaic (while the frame's upload time lasts);
   * returns how many are still missing.
   */
  fill(plane: PlaneId, view: PlaneView, mosaic: Mosaic, level: DrawLevel, chunkOf: (key: string) => Chunk | undefined): number {
    const gl = this.gl;
    const [u, v, w] = PLANE_AXES[plane];
    const slice = Math.floor(Math.floor(view.position[w]) / level.mag[w]);
    if (slice !== mosaic.slice) {
      mosaic.held.fill(-1); // tiles of another slice
      mosaic.heldDirty = true;
      mosaic.slice = slice;
    }
    let missing = 0;
    for (const { key, coords } of level.chunks) {
      const [su, sv] = slotOf(coords[u], coords[v], mosaic.slots);
      const at = (sv * mosaic.slots[0] + su) * 2;
      if (mosaic.held[at] === coords[u] && mosaic.held[at + 1] === coords[v]) continue;
      const chunk = chunkOf(key);
      if (!chunk || (this.#uploadedThisFrame > 0 && performance.now() > this.#deadline)) {
        if (chunk) this.deferred++;
        missing++;
        continue;
      }
      const data = chunkSlice(chunk.data, chunk.shape, chunk.components, plane, slice - coords[w] * level.chunkShape[w]);
      gl.bindTexture(gl.TEXTURE_2D, mosaic.texture);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, su * mosaic.tile[0], sv * mosaic.tile[1], mosaic.tile[0], mosaic.tile[1], mosaic.format[1], mosaic.format[2], data);
      mosaic.held[at] = coords[u];
      mosaic.held[at + 1] = coords[v];
      mosaic.heldDirty = true;
      this.#uploadedThisFrame++;
      this.stats.uploads++;
      this.stats.uploadedBytes += data.byteLength;
    }
    if (mosaic.heldDirty) {
      gl.bindTexture(gl.TEXTURE_2D, mosaic.heldTexture);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, mosaic.slots[0], mosaic.slots[1], gl.RG_INTEGER, gl.INT, mosaic.held);
      mosaic.heldDirty = false;
    }
    return missing;
  }

  /** Mosaics no plane used for a while (another zoom, another layout) give their memory back. */
  evict(): void {
    for (const [key, mosaic] of this.#mosaics) if (mosaic.lastFrame < this.stats.frames - 120) this.#drop(key, mosaic);
  }

  #drop(key: string, mosaic: Mosaic): void {
    this.gl.deleteTexture(mosaic.texture);
    this.gl.deleteTexture(mosaic.heldTexture);
    this.#mosaics.delete(key);
    this.#count();
  }

  #count(): void {
    this.stats.textures = this.#mosaics.size;
    this.stats.textureBytes = [...this.#mosaics.values()].reduce((sum, m) => sum + m.bytes, 0);
  }
}
