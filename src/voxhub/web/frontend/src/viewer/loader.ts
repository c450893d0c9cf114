/**
 * Chunk loading: what is wanted now, in priority order, fetched with many requests in
 * flight; what is no longer wanted is cancelled; what arrived is kept in a bounded LRU.
 *
 * The caller (the view) states the complete wanted list every time the view changes —
 * visible chunks of the coarse fallback level first, then of the level that fits the
 * screen, then prefetch (the next chunk layers in the direction of movement). Requests in
 * flight that are not on the new list are aborted (`AbortController`), so panning fast
 * never waits for chunks that scrolled away. Like zarrita's batched fetch, the cache
 * assumes immutable data: there is no invalidation.
 */
import type { Chunk, ChunkSource } from "./chunksource";
import type { LayerInfo, Vec3 } from "./dataset";
import { LruCache } from "./lru";

export interface ChunkRequest {
  layer: LayerInfo;
  level: number;
  coords: Vec3;
  prefetch?: boolean;
}

export interface LoaderOptions {
  /** Requests kept in flight at once (default 64: HTTP/1.1 browsers allow 6 per host, but
   * voxhub is usually reached over HTTP/2 or loopback, and decoding overlaps waiting). A
   * request counts until its decoded chunk reaches the page, so while the page's thread is
   * busy (a frame under SwiftShader: 100-200 ms at 1024³) the workers go on fetching and
   * decoding only as far as this reaches: 24 let them idle there. */
  maxInFlight?: number;
  /** Bytes of decoded chunks kept (default 512 MiB); evicted chunks also leave the GPU. */
  cacheBytes?: number;
  /** Called after each chunk arrives (the view redraws). */
  onChunk?: (key: string) => void;
  /** Called when a chunk leaves the cache (the renderer frees its texture). */
  onEvict?: (key: string, chunk: Chunk) => void;
}

export interface LoaderStats {
  /** Wanted chunks found in the cache when a wanted list was set. */
  hits: number;
  /** Wanted chunks that had to be fetched. */
  misses: number;
  /** Chunk fetches started, in total and per "layer/mag". */
  requests: number;
  requestsByMag: Record<string, number>;
  prefetchRequests: number;
  completed: number;
  cancelled: number;
  failed: number;
  inFlight: number;
  /** Most requests that were in flight at the same time. */
  peakInFlight: number;
  /** Decoded bytes received. */
  decodedBytes: number;
  cachedBytes: number;
  cachedChunks: number;
  /** performance.now() of the first chunk request and of the latest arrival (where the time goes). */
  firstRequestMs: number | null;
  lastArrivalMs: number | null;
}

export function chunkKey(layer: string, level: number, coords: Vec3): string {
  return `${layer}/${level}/${coords[0]},${coords[1]},${coords[2]}`;
}

export function magLabel(mag: Vec3): string {
  return mag[0] === mag[1] && mag[1] === mag[2] ? String(mag[0]) : mag.join("-");
}

export class ChunkLoader {
  readonly cache: LruCache<Chunk>;
  readonly stats: LoaderStats = {
    hits: 0, misses: 0, requests: 0, requestsByMag: {}, prefetchRequests: 0, completed: 0,
    cancelled: 0, failed: 0, inFlight: 0, peakInFlight: 0, decodedBytes: 0, cachedBytes: 0, cachedChunks: 0,
    firstRequestMs: null, lastArrivalMs: null,
  };
  #source: ChunkSource;
  #maxInFlight: number;
  #onChunk?: (key: string) => void;
  #queue: { key: string; request: ChunkRequest }[] = [];
  #inFlight = new Map<string, AbortController>();
  #failed = new Set<string>();

  constructor(source: ChunkSource, options: LoaderOptions = {}) {
    this.#source = source;
    this.#maxInFlight = options.maxInFlight ?? 64;
    this.#onChunk = options.onChunk;
    this.cache = new LruCache<Chunk>({
      maxCost: options.cacheBytes ?? 512 * 2 ** 20,
      costOf: (chunk) => chunk.byteLength,
      onEvict: options.onEvict,
    });
  }

  /** A loaded chunk, without changing its recency (the renderer asks every frame). */
  peek(key: string): Chunk | undefined {
    return this.cache.peek(key);
  }

  /** Keys currently being fetched. */
  get pending(): number {
    return this.#inFlight.size + this.#queue.length;
  }

  /** Replace the wanted list (highest priority first); cancel what left it; start fetching. */
  want(requests: ChunkRequest[]): void {
    const wanted = new Map<string, ChunkRequest>();
    for (const request of requests) {
      const key = chunkKey(request.layer.name, request.level, request.coords);
      if (!wanted.has(key)) wanted.set(key, request);
    }
    for (const [key, controller] of this.#inFlight) {
      if (!wanted.has(key)) {
        controller.abort();
        this.#inFlight.delete(key);
        this.stats.cancelled++;
      }
    }
    const queued = new Set(this.#queue.map((q) => q.key));
    this.#queue = [];
    for (const [key, request] of wanted) {
      if (this.#inFlight.has(key) || this.#failed.has(key)) continue;
      if (this.cache.has(key)) {
        if (!queued.has(key)) this.cache.get(key); // refresh recency; counts a hit
        this.stats.hits++;
        continue;
      }
      if (!queued.has(key)) this.stats.misses++;
      this.#queue.push({ key, request });
    }
    this.#pump();
  }

  #pump(): void {
    while (this.#inFlight.size < this.#maxInFlight && this.#queue.length) {
      const { key, request } = this.#queue.shift()!;
      this.#start(key, request);
    }
    this.stats.inFlight = this.#inFlight.size;
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.#inFlight.size);
  }

  #start(key: string, request: ChunkRequest): void {
    const controller = new AbortController();
    this.#inFlight.set(key, controller);
    const mag = `${request.layer.name}/${magLabel(request.layer.mags[request.level].mag)}`;
    this.stats.requests++;
    this.stats.firstRequestMs ??= performance.now();
    this.stats.requestsByMag[mag] = (this.stats.requestsByMag[mag] ?? 0) + 1;
    if (request.prefetch) this.stats.prefetchRequests++;
    this.#source.chunk(request.layer, request.level, request.coords, controller.signal).then(
      (chunk) => {
        if (this.#inFlight.get(key) !== controller) return; // cancelled meanwhile
        this.#inFlight.delete(key);
        this.stats.completed++;
        this.stats.lastArrivalMs = performance.now();
        this.stats.decodedBytes += chunk.byteLength;
        this.cache.set(key, chunk);
        this.#sync();
        this.#onChunk?.(key);
        this.#pump();
      },
      (error) => {
        if (this.#inFlight.get(key) !== controller) return;
        this.#inFlight.delete(key);
        if (!controller.signal.aborted) {
          this.stats.failed++;
          this.#failed.add(key); // not retried in this session: a broken chunk must not loop
          console.warn(`chunk ${key}:`, error);
        }
        this.#pump();
      },
    );
  }

  #sync(): void {
    this.stats.cachedBytes = this.cache.cost;
    this.stats.cachedChunks = this.cache.size;
    this.stats.inFlight = this.#inFlight.size;
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.pending === 0 ? resolve() : setTimeout(check, 10));
      check();
    });
  }
}
