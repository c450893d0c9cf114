/**
 * Where chunks come from: one Zarr array per layer and mag, read chunk by chunk.
 *
 * zarrita does the Zarr v2/v3 decoding (sharding with shard indexes cached per shard; Blosc
 * and Zstandard through the viewer's own decoders, `codecs/`); `CountingStore` is the only thing that
 * talks HTTP, so every byte and request the viewer causes is counted there, and a share
 * token rides along as `?token=` on every URL.
 */
import * as zarr from "zarrita";
import { registerCodecs } from "./codecs/register";
import type { DatasetInfo, LayerInfo, MagInfo, Vec3 } from "./dataset";

// Before any array is opened: zarrita looks its codecs up when it first reads a chunk.
registerCodecs();

type AbsolutePath = `/${string}`;
type RangeQuery = { offset: number; length: number } | { suffixLength: number };

export interface StoreStats {
  requests: number;
  bytes: number;
  notFound: number;
  failed: number;
  /** HTTP requests per level path ("color/2-2-1"), metadata included. */
  requestsByLevel: Record<string, number>;
}

/** A `fetch`-based readable store below one base URL, counting what it transfers. */
export class CountingStore {
  readonly stats: StoreStats = { requests: 0, bytes: 0, notFound: 0, failed: 0, requestsByLevel: {} };
  #base: string;
  #query: string;
  #fetch: typeof fetch;

  constructor(base: string, token: string | null, fetcher: typeof fetch = (...args) => fetch(...args)) {
    this.#base = base.endsWith("/") ? base.slice(0, -1) : base;
    this.#query = token ? `?token=${encodeURIComponent(token)}` : "";
    this.#fetch = fetcher;
  }

  #count(key: string): void {
    this.stats.requests++;
    const parts = key.split("/").filter(Boolean);
    const level = parts.length >= 2 ? `${parts[0]}/${parts[1]}` : parts.join("/");
    this.stats.requestsByLevel[level] = (this.stats.requestsByLevel[level] ?? 0) + 1;
  }

  async #request(key: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    this.#count(key);
    const response = await this.#fetch(`${this.#base}${key}${this.#query}`, {
      headers,
      signal,
      credentials: "same-origin",
    });
    if (response.status === 404) {
      this.stats.notFound++;
      return undefined;
    }
    if (!response.ok) {
      this.stats.failed++;
      throw new Error(`GET ${key}: HTTP ${response.status}`);
    }
    const body = new Uint8Array(await response.arrayBuffer());
    this.stats.bytes += body.byteLength;
    return body;
  }

  /** Array metadata (`…/zarr.json`) read through this store, by key: handed to the decoding workers. */
  readonly metadata = new Map<string, Uint8Array>();

  async get(key: AbsolutePath, opts?: { signal?: AbortSignal }): Promise<Uint8Array | undefined> {
    const known = this.metadata.get(key);
    if (known) return known.slice();
    const body = await this.#request(key, {}, opts?.signal);
    if (body && key.endsWith("/zarr.json")) this.metadata.set(key, body.slice());
    return body;
  }

  getRange(key: AbsolutePath, range: RangeQuery, opts?: { signal?: AbortSignal }): Promise<Uint8Array | undefined> {
    const value =
      "suffixLength" in range
        ? `bytes=-${range.suffixLength}`
        : `bytes=${range.offset}-${range.offset + range.length - 1}`;
    return this.#request(key, { Range: value }, opts?.signal);
  }
}

export type ChunkArray = Uint8Array | Uint16Array | Uint32Array | Float32Array;

/** One decoded chunk, x fastest then y then z; uint64 is two uint32 words per voxel (low, high). */
export interface Chunk {
  data: ChunkArray;
  /** Chunk extent (x, y, z) in voxels of its mag. */
  shape: Vec3;
  /** Words per voxel: 2 for uint64, else 1. */
  components: 1 | 2;
  byteLength: number;
}

/** One level of a layer: its array shape and chunk shape, both (x, y, z) in voxels of its mag. */
export interface Level {
  mag: Vec3;
  shape: Vec3;
  chunk: Vec3;
}

export interface ChunkSource {
  /** The levels of a layer, finest first (same order as `layer.mags`). */
  levels(layer: LayerInfo): Promise<Level[]>;
  /** Chunk (cx, cy, cz) of level `level` of `layer`. */
  chunk(layer: LayerInfo, level: number, coords: Vec3, signal?: AbortSignal): Promise<Chunk>;
}

/** Make integer-typed data of any width something WebGL2 can hold in a texture. */
export function toTextureArray(data: ArrayBufferView): { data: ChunkArray; components: 1 | 2 } {
  if (data instanceof BigUint64Array || data instanceof BigInt64Array) {
    return { data: new Uint32Array(data.buffer, data.byteOffset, data.length * 2), components: 2 };
  }
  if (data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Uint32Array || data instanceof Float32Array) {
    return { data, components: 1 };
  }
  // int8/int16/int32/float64: drawn through float textures.
  return { data: Float32Array.from(data as unknown as ArrayLike<number>), components: 1 };
}

type AnyArray = zarr.Array<zarr.DataType, CountingStore>;

/** Chunks of a dataset read from voxhub's `/zarr` routes. */
export class ZarrChunkSource implements ChunkSource {
  readonly store: CountingStore;
  #arrays = new Map<string, Promise<AnyArray>>();

  constructor(info: Pick<DatasetInfo, "zarrUrl">, token: string | null, fetcher?: typeof fetch, origin = "") {
    this.store = new CountingStore(`${origin}${info.zarrUrl}`, token, fetcher);
  }

  /** What this source transferred (a worker-backed source adds up its workers' stores). */
  storeStats(): StoreStats {
    return { ...this.store.stats, requestsByLevel: { ...this.store.stats.requestsByLevel } };
  }

  #array(layer: LayerInfo, level: number): Promise<AnyArray> {
    return this.#open(layer.mags[level].path);
  }

  #open(path: string): Promise<AnyArray> {
    let found = this.#arrays.get(path);
    if (!found) {
      found = zarr.open.v3(zarr.root(this.store).resolve(path), { kind: "array" }) as Promise<AnyArray>;
      found.catch(() => this.#arrays.delete(path));
      this.#arrays.set(path, found);
    }
    return found;
  }

  async levels(layer: LayerInfo): Promise<Level[]> {
    return Promise.all(
      layer.mags.map(async (mag, index) => {
        const array = await this.#array(layer, index);
        const { x, y, z } = mag.axisOrder;
        return {
          mag: mag.mag,
          shape: [array.shape[x], array.shape[y], array.shape[z]] as Vec3,
          chunk: [array.chunks[x], array.chunks[y], array.chunks[z]] as Vec3,
        };
      }),
    );
  }

  chunk(layer: LayerInfo, level: number, coords: Vec3, signal?: AbortSignal): Promise<Chunk> {
    return this.chunkAt(layer.mags[level].path, layer.mags[level].axisOrder, coords, signal);
  }

  /** Chunk (cx, cy, cz) of the array at `path` (what a decoding worker is asked for). */
  async chunkAt(path: string, order: MagInfo["axisOrder"], coords: Vec3, signal?: AbortSignal): Promise<Chunk> {
    const array = await this.#open(path);
    const index = new Array<number>(array.shape.length).fill(0);
    index[order.x] = coords[0];
    index[order.y] = coords[1];
    index[order.z] = coords[2];
    const got = await array.getChunk(index, { signal });
    const { data, components } = toTextureArray(got.data as ArrayBufferView);
    return {
      data,
      components,
      shape: [array.chunks[order.x], array.chunks[order.y], array.chunks[order.z]],
      byteLength: data.byteLength,
    };
  }
}
