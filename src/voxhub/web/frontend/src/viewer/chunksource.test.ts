import * as zarr from "zarrita";
import { describe, expect, it } from "vitest";
import { ZarrChunkSource } from "./chunksource";
import { parseDataset } from "./dataset";
import { ChunkLoader } from "./loader";

const BLOSC = { name: "blosc", configuration: { typesize: 1, cname: "zstd", clevel: 3, shuffle: "bitshuffle", blocksize: 0 } };

/** A dataset written the way voxhub writes it (Zarr v3, c/z/y/x, bytes + Blosc-zstd), in memory. */
async function writeDataset() {
  const files = new Map<string, Uint8Array>();
  const root = zarr.root(files);
  const color = await zarr.create(root.resolve("color/1"), {
    shape: [1, 8, 16, 32], chunkShape: [1, 4, 8, 8], dtype: "uint8", codecs: [{ name: "bytes", configuration: { endian: "little" } }, BLOSC], dimensionNames: ["c", "z", "y", "x"],
  });
  const values = new Uint8Array(8 * 16 * 32).map((_, i) => (i * 7) % 251);
  await zarr.set(color, null, { data: values, shape: [1, 8, 16, 32], stride: [8 * 16 * 32, 16 * 32, 32, 1] });
  const seg = await zarr.create(root.resolve("seg/1"), {
    shape: [1, 8, 16, 32], chunkShape: [1, 4, 8, 8], dtype: "uint64", codecs: [{ name: "bytes", configuration: { endian: "little" } }, { ...BLOSC, configuration: { ...BLOSC.configuration, typesize: 8, shuffle: "shuffle" } }], dimensionNames: ["c", "z", "y", "x"],
  });
  const ids = new BigUint64Array(8 * 16 * 32).map((_, i) => BigInt(i) + (1n << 40n));
  await zarr.set(seg, null, { data: ids, shape: [1, 8, 16, 32], stride: [8 * 16 * 32, 16 * 32, 32, 1] });
  files.delete("/color/1/c/0/1/1/3"); // a missing chunk reads as the fill value
  const requested: string[] = [];
  const fetcher = (async (url: string, init?: RequestInit) => {
    requested.push(url);
    if (init?.signal?.aborted) throw new DOMException("aborted", "AbortError");
    await new Promise((r) => setTimeout(r, 1));
    const key = url.replace(/^\/zarr\/lab\/cells/, "").replace(/\?.*$/, "");
    const body = files.get(key);
    return body ? new Response(body.slice()) : new Response("{}", { status: 404 });
  }) as typeof fetch;
  const info = parseDataset({
    organization: "lab", name: "cells", voxelSize: [1, 1, 1], zarrUrl: "/zarr/lab/cells/",
    layers: [
      { name: "color", category: "color", elementClass: "uint8", boundingBox: { topLeft: [0, 0, 0], width: 32, height: 16, depth: 8 }, mags: [{ mag: [1, 1, 1], path: "./color/1" }] },
      { name: "seg", category: "segmentation", elementClass: "uint64", boundingBox: { topLeft: [0, 0, 0], width: 32, height: 16, depth: 8 }, mags: [{ mag: [1, 1, 1], path: "./seg/1" }] },
    ],
  });
  return { info, values, fetcher, requested };
}

describe("ZarrChunkSource", () => {
  it("reads levels and decodes Blosc chunks voxel for voxel, uint64 as word pairs", async () => {
    const { info, values, fetcher, requested } = await writeDataset();
    const source = new ZarrChunkSource(info, "vxs_share", fetcher);
    const [level] = await source.levels(info.layers[0]);
    expect(level).toEqual({ mag: [1, 1, 1], shape: [32, 16, 8], chunk: [8, 8, 4] });
    const chunk = await source.chunk(info.layers[0], 0, [2, 1, 1]);
    expect(chunk.shape).toEqual([8, 8, 4]);
    for (const [x, y, z] of [[0, 0, 0], [7, 3, 2], [5, 7, 3]]) {
      const expected = values[(4 + z) * 512 + (8 + y) * 32 + (16 + x)];
      expect(chunk.data[z * 64 + y * 8 + x]).toBe(expected);
    }
    const missing = await source.chunk(info.layers[0], 0, [3, 1, 1]);
    expect(missing.data.every((v) => v === 0)).toBe(true);
    const seg = await source.chunk(info.layers[1], 0, [1, 0, 0]);
    expect(seg.components).toBe(2);
    expect(seg.data[2 * (1 * 8 + 3)]).toBe(8 + 3 + 32); // low word of voxel (x 11, y 1)
    expect(seg.data[2 * (1 * 8 + 3) + 1]).toBe(256); // high word: 1 << 40 >> 32
    expect(requested.every((url) => url.endsWith("?token=vxs_share"))).toBe(true);
    expect(source.store.stats.requestsByLevel["color/1"]).toBe(3); // zarr.json + two chunks
    expect(source.store.stats.notFound).toBe(1);
    expect(source.store.stats.bytes).toBeGreaterThan(0);
  });

  it("hands the array metadata it read to another source, which then reads chunks without asking for it", async () => {
    const { info, values, fetcher, requested } = await writeDataset();
    const main = new ZarrChunkSource(info, null, fetcher);
    await main.levels(info.layers[0]);
    expect([...main.store.metadata.keys()]).toEqual(["/color/1/zarr.json"]);
    const worker = new ZarrChunkSource(info, null, fetcher);
    for (const [key, bytes] of main.store.metadata) worker.store.metadata.set(key, bytes);
    requested.length = 0;
    const chunk = await worker.chunk(info.layers[0], 0, [0, 0, 0]);
    expect(requested.map((url) => url.replace(/^\/zarr\/lab\/cells/, ""))).toEqual(["/color/1/c/0/0/0/0"]);
    expect(chunk.data[3 * 64 + 2 * 8 + 1]).toBe(values[3 * 512 + 2 * 32 + 1]);
    // Metadata that the server refuses is not kept: the next read asks again.
    const refused = new ZarrChunkSource(info, null, (async () => new Response("{}", { status: 404 })) as typeof fetch);
    await expect(refused.levels(info.layers[0])).rejects.toThrow();
    expect(refused.store.metadata.size).toBe(0);
  });
});

describe("ChunkLoader", () => {
  it("keeps many requests in flight, caches, counts, and cancels what is no longer wanted", async () => {
    const { info, fetcher } = await writeDataset();
    const source = new ZarrChunkSource(info, null, fetcher);
    await source.levels(info.layers[0]);
    const arrived: string[] = [];
    const loader = new ChunkLoader(source, { maxInFlight: 16, onChunk: (k) => arrived.push(k) });
    const layer = info.layers[0];
    const all = [];
    for (let z = 0; z < 2; z++) for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) all.push({ layer, level: 0, coords: [x, y, z] as [number, number, number] });
    loader.want(all);
    expect(loader.stats.inFlight).toBe(16);
    await loader.idle();
    expect(arrived).toHaveLength(16);
    expect(loader.stats).toMatchObject({ requests: 16, misses: 16, completed: 16, cancelled: 0, peakInFlight: 16 });
    expect(loader.stats.requestsByMag["color/1"]).toBe(16);
    loader.want(all.slice(0, 4));
    expect(loader.stats.hits).toBe(4);
    expect(loader.stats.requests).toBe(16);

    const fresh = new ChunkLoader(source, { maxInFlight: 2 });
    fresh.want(all.slice(0, 6)); // two start, four wait
    fresh.want(all.slice(5, 6)); // the first two are no longer wanted: aborted
    await fresh.idle();
    expect(fresh.stats.cancelled).toBe(2);
    expect(fresh.stats.completed).toBe(1);
    expect(fresh.peek("color/0/1,1,0")).toBeDefined();
    expect(fresh.peek("color/0/0,0,0")).toBeUndefined();
  });

  it("keeps the decoded chunks within the byte bound, telling who evicted what", async () => {
    const { info, fetcher } = await writeDataset();
    const source = new ZarrChunkSource(info, null, fetcher);
    const evicted: string[] = [];
    const loader = new ChunkLoader(source, { cacheBytes: 3 * 256, onEvict: (k) => evicted.push(k) });
    const layer = info.layers[0];
    for (let x = 0; x < 4; x++) {
      loader.want([{ layer, level: 0, coords: [x, 0, 0] }]);
      await loader.idle();
    }
    expect(loader.stats.cachedChunks).toBe(3);
    expect(evicted).toEqual(["color/0/0,0,0"]);
  });
});
