/**
 * Chunks decoded in Web Workers: a `ChunkSource` that hands every chunk read to one of a
 * few workers (`chunkworker.ts`) and gets the decoded voxels back as a transferred buffer.
 *
 * The main thread keeps only what is cheap: array metadata (a few small JSON requests, for
 * `levels`) and the bookkeeping of who is busy. Fetching, Blosc decompression and shard
 * indexes happen in the workers, so the main thread is free to draw while chunks arrive.
 * Cancelling (an aborted signal) reaches the worker as a message and aborts its fetch.
 */
import { ZarrChunkSource, type Chunk, type ChunkArray, type ChunkSource, type Level, type StoreStats } from "./chunksource";
import type { DatasetInfo, LayerInfo, MagInfo, Vec3 } from "./dataset";

export type ToWorker =
  | { type: "open"; zarrUrl: string; token: string | null; origin: string }
  | { type: "metadata"; files: [string, Uint8Array][] }
  | { type: "chunk"; id: number; path: string; axisOrder: MagInfo["axisOrder"]; coords: Vec3 }
  | { type: "cancel"; id: number };

interface FromWorker {
  type: "chunk";
  id: number;
  ok: boolean;
  aborted?: boolean;
  message?: string;
  buffer?: ArrayBuffer;
  kind?: string;
  components?: 1 | 2;
  shape?: Vec3;
  stats: StoreStats;
}

const ARRAYS: Record<string, new (buffer: ArrayBuffer) => ChunkArray> = {
  Uint8Array,
  Uint16Array,
  Uint32Array,
  Float32Array,
};

interface Pending {
  resolve: (chunk: Chunk) => void;
  reject: (error: unknown) => void;
  worker: number;
}

/**
 * Start decoding workers before the dataset is known: their start-up (the worker script and
 * its Zstandard decoder, see `chunkworker.ts`) then overlaps loading the dataset and its metadata
 * instead of delaying the first chunk.
 */
export function spawnWorkers(count = WorkerChunkSource.defaultWorkers()): Worker[] {
  return Array.from({ length: count }, () => new Worker(new URL("./chunkworker.ts", import.meta.url), { type: "module" }));
}

export class WorkerChunkSource implements ChunkSource {
  /** Metadata (and the OpenMSI axis) are read on the main thread through this one. */
  readonly local: ZarrChunkSource;
  #workers: Worker[] = [];
  #busy: number[] = [];
  #workerStats: StoreStats[] = [];
  #pending = new Map<number, Pending>();
  #next = 1;

  /** `workers`: how many to start, or workers started already (see `spawnWorkers`). */
  constructor(info: DatasetInfo, token: string | null, workers: number | Worker[] = WorkerChunkSource.defaultWorkers()) {
    this.local = new ZarrChunkSource(info, token);
    const started = typeof workers === "number" ? spawnWorkers(workers) : workers;
    for (const [i, worker] of started.entries()) {
      worker.onmessage = (event: MessageEvent<FromWorker>) => this.#reply(i, event.data);
      // A worker that fails (its script did not load, it crashed) fails its requests
      // instead of leaving them in flight for ever.
      worker.onerror = (event) => this.#failAll(i, event.message || "the decoding worker failed");
      // A worker's relative URLs resolve against its script, not the page: send an absolute
      // one (the zarrUrl of a dataset on an external datastore is absolute already).
      const zarrUrl = new URL(info.zarrUrl, location.href).href;
      worker.postMessage({ type: "open", zarrUrl, token, origin: "" } satisfies ToWorker);
      this.#workers.push(worker);
      this.#busy.push(0);
      this.#workerStats.push({ requests: 0, bytes: 0, notFound: 0, failed: 0, requestsByLevel: {} });
    }
  }

  /** One worker per core but one (the main thread draws), at least one, at most four. */
  static defaultWorkers(): number {
    return Math.min(4, Math.max(1, (navigator.hardwareConcurrency || 2) - 1));
  }

  get store() {
    return this.local.store;
  }

  /**
   * Read on the main thread; the array metadata it read goes to the workers, which then open
   * the arrays without asking the server again (it was one more request per level, each
   * before that level's first chunk, competing for the browser's six connections).
   */
  async levels(layer: LayerInfo): Promise<Level[]> {
    const levels = await this.local.levels(layer);
    const files = [...this.local.store.metadata];
    for (const worker of this.#workers) worker.postMessage({ type: "metadata", files } satisfies ToWorker);
    return levels;
  }

  chunk(layer: LayerInfo, level: number, coords: Vec3, signal?: AbortSignal): Promise<Chunk> {
    if (signal?.aborted) return Promise.reject(new DOMException("aborted", "AbortError"));
    const id = this.#next++;
    // The least busy worker; ties go to the first, so one request alone always lands there.
    const worker = this.#busy.indexOf(Math.min(...this.#busy));
    const mag = layer.mags[level];
    return new Promise<Chunk>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker });
      this.#busy[worker]++;
      this.#workers[worker].postMessage({ type: "chunk", id, path: mag.path, axisOrder: mag.axisOrder, coords } satisfies ToWorker);
      signal?.addEventListener("abort", () => this.#workers[worker].postMessage({ type: "cancel", id } satisfies ToWorker), { once: true });
    });
  }

  #reply(worker: number, message: FromWorker): void {
    this.#workerStats[worker] = message.stats;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    this.#busy[pending.worker]--;
    if (!message.ok) {
      pending.reject(message.aborted ? new DOMException("aborted", "AbortError") : new Error(message.message));
      return;
    }
    const make = ARRAYS[message.kind!] ?? Float32Array;
    const data = new make(message.buffer!);
    pending.resolve({ data, components: message.components!, shape: message.shape!, byteLength: data.byteLength });
  }

  #failAll(worker: number, message: string): void {
    for (const [id, pending] of this.#pending) {
      if (pending.worker !== worker) continue;
      this.#pending.delete(id);
      this.#busy[worker]--;
      pending.reject(new Error(message));
    }
  }

  /** The main thread's requests and every worker's, added up. */
  storeStats(): StoreStats {
    const total = this.local.storeStats();
    for (const stats of this.#workerStats) {
      total.requests += stats.requests;
      total.bytes += stats.bytes;
      total.notFound += stats.notFound;
      total.failed += stats.failed;
      for (const [level, n] of Object.entries(stats.requestsByLevel)) total.requestsByLevel[level] = (total.requestsByLevel[level] ?? 0) + n;
    }
    return total;
  }
}
