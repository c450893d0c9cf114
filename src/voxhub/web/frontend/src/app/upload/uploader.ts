/**
 * Sends files with the server's resumable protocol: reserve, test + send each chunk, finish.
 *
 * Chunks the server already has (from an earlier attempt, or before a page reload when the
 * same files are dropped again) are skipped after a GET answers 200. A dropped connection
 * or a 5xx does not fail the upload: the chunk is retried with a growing pause, and the
 * progress shows "waiting for the connection" meanwhile. A 4xx is final (it will not get
 * better by repeating). Reserved uploads are remembered in localStorage by {@link uploadKey}.
 */
import { ApiError, call, fillPath, queryString, send } from "../api/client";
import type { Upload } from "../api/types";
import { type FilePlan, SpeedMeter, planFile, uploadKey } from "./plan";

export interface PickedFile {
  file: File;
  relativePath: string;
}

export interface Progress {
  sentBytes: number;
  totalBytes: number;
  bytesPerSecond: number;
  /** Set while a chunk waits for the connection to come back. */
  retrying: string | null;
  skippedChunks: number;
}

export interface ReserveOptions {
  name: string;
  organization: string;
  folderId?: number | null;
  teamIds?: number[];
  voxelSize?: [number, number, number] | null;
}

const STORE = "voxhub.uploads";
const CONCURRENCY = 3;

function remembered(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(STORE) ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}

function remember(key: string, uploadId: string | null): void {
  const all = remembered();
  if (uploadId) all[key] = uploadId;
  else delete all[key];
  localStorage.setItem(STORE, JSON.stringify(all));
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("cancelled", "AbortError"));
    });
  });

export class Uploader {
  readonly #files: PickedFile[];
  readonly #plans: FilePlan[];
  readonly #key: string;
  readonly #onProgress: (p: Progress) => void;
  readonly #meter = new SpeedMeter();
  #progress: Progress;
  /** Counters for tests: chunks sent, skipped as present, retried. */
  readonly stats = { sent: 0, skipped: 0, retried: 0 };

  constructor(name: string, files: PickedFile[], onProgress: (p: Progress) => void) {
    this.#files = files;
    this.#plans = files.map((f) => planFile(f.relativePath, f.file.size));
    this.#key = uploadKey(name, this.#plans);
    this.#onProgress = onProgress;
    const totalBytes = files.reduce((sum, f) => sum + f.file.size, 0);
    this.#progress = { sentBytes: 0, totalBytes, bytesPerSecond: 0, retrying: null, skippedChunks: 0 };
  }

  get totalBytes(): number {
    return this.#progress.totalBytes;
  }

  /** The upload to continue: one remembered for these files that the server still has. */
  async resumable(): Promise<Upload | null> {
    const id = remembered()[this.#key];
    if (!id) return null;
    const open = await call("get", "/api/v1/uploads");
    const found = open.find((u) => u.uploadId === id && u.state !== "finished") ?? null;
    if (!found) remember(this.#key, null);
    return found;
  }

  async reserve(options: ReserveOptions): Promise<Upload> {
    const upload = await call("post", "/api/v1/uploads", {
      json: {
        name: options.name,
        organization: options.organization,
        totalFileCount: this.#files.length,
        totalBytes: this.totalBytes,
        folderId: options.folderId ?? null,
        initialTeams: options.teamIds ?? [],
        voxelSize: options.voxelSize ?? null,
      },
    });
    remember(this.#key, upload.uploadId);
    return upload;
  }

  #report(patch: Partial<Progress>): void {
    this.#progress = { ...this.#progress, ...patch };
    this.#onProgress(this.#progress);
  }

  /** Retry `attempt` while the network or the server fails; give up on a 4xx. */
  async #persist<T>(attempt: () => Promise<T>, signal: AbortSignal): Promise<T> {
    for (let tries = 0; ; tries += 1) {
      try {
        const result = await attempt();
        if (this.#progress.retrying) this.#report({ retrying: null });
        return result;
      } catch (error) {
        const transient = error instanceof ApiError && (error.status === 0 || error.status >= 500);
        if (!transient || signal.aborted) throw error;
        this.stats.retried += 1;
        const pause = Math.min(1000 * 2 ** tries, 15_000);
        this.#report({ retrying: `${error.message} Retrying in ${Math.round(pause / 1000)} s…` });
        await sleep(pause, signal);
      }
    }
  }

  /** Send every chunk the server lacks, then finish; resolves to the finished upload. */
  async send(uploadId: string, signal: AbortSignal): Promise<Upload> {
    const base = fillPath("/api/v1/uploads/{upload_id}/chunks", { upload_id: uploadId });
    const work = this.#plans.flatMap((plan, index) =>
      plan.chunks.map((chunk) => ({ plan, chunk, file: this.#files[index].file })),
    );
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const { plan, chunk, file } = work[next++];
        const fields = {
          resumableChunkNumber: chunk.number,
          resumableChunkSize: plan.chunkSize,
          resumableTotalSize: plan.size,
          resumableTotalChunks: plan.totalChunks,
          resumableRelativePath: plan.relativePath,
        };
        const present = await this.#persist(
          async () => (await send("GET", base + queryString(fields), { signal })).status === 200,
          signal,
        );
        const bytes = chunk.end - chunk.start;
        if (present) {
          this.stats.skipped += 1;
          this.#report({
            sentBytes: this.#progress.sentBytes + bytes,
            skippedChunks: this.#progress.skippedChunks + 1,
          });
          continue;
        }
        await this.#persist(async () => {
          const form = new FormData();
          for (const [key, value] of Object.entries(fields)) form.set(key, String(value));
          form.set("file", file.slice(chunk.start, chunk.end), plan.relativePath);
          await send("POST", base, { body: form, signal });
        }, signal);
        this.stats.sent += 1;
        this.#meter.add(bytes, Date.now());
        this.#report({
          sentBytes: this.#progress.sentBytes + bytes,
          bytesPerSecond: this.#meter.speed(Date.now()),
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, work.length) }, worker));
    const finished = await this.#persist(
      () => call("post", "/api/v1/uploads/{upload_id}/finish", { path: { upload_id: uploadId } }),
      signal,
    );
    remember(this.#key, null);
    return finished;
  }
}
