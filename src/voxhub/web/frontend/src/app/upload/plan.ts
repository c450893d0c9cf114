/**
 * How files are cut into the chunks of the server's resumable protocol (resumable.js's rules).
 *
 * Every chunk but the last has `chunkSize` bytes; the last one takes the remainder, so it
 * holds between `chunkSize` and `2 * chunkSize - 1` bytes, and a file smaller than one
 * chunk is one chunk (`totalChunks = max(1, floor(size / chunkSize))`) — exactly what
 * `voxhub.uploads.chunks.Chunk.check` accepts. Pure: the uploader and the tests use it.
 */

/** 8 MiB: big enough that per-request overhead is small, small enough to retry cheaply. */
export const CHUNK_SIZE = 8 * 1024 * 1024;

export interface PlannedChunk {
  /** 1-based, as resumable.js numbers them. */
  number: number;
  start: number;
  end: number;
}

export interface FilePlan {
  relativePath: string;
  size: number;
  chunkSize: number;
  totalChunks: number;
  chunks: PlannedChunk[];
}

export function totalChunks(size: number, chunkSize = CHUNK_SIZE): number {
  return Math.max(1, Math.floor(size / chunkSize));
}

export function planFile(relativePath: string, size: number, chunkSize = CHUNK_SIZE): FilePlan {
  if (chunkSize <= 0) throw new Error("chunk size must be positive");
  const count = totalChunks(size, chunkSize);
  const chunks: PlannedChunk[] = [];
  for (let number = 1; number <= count; number += 1) {
    const start = (number - 1) * chunkSize;
    chunks.push({ number, start, end: number === count ? size : start + chunkSize });
  }
  return { relativePath, size, chunkSize, totalChunks: count, chunks };
}

/** The path a picked or dropped file is sent under: its folder structure, never `..`. */
export function cleanRelativePath(path: string): string {
  const parts = path.replace(/\\/g, "/").split("/").filter((p) => p && p !== "." && p !== "..");
  return parts.join("/");
}

/**
 * A key that names one set of files, so that an unfinished upload is found again after a
 * reload when the same files are dropped (the browser cannot keep the files themselves).
 */
export function uploadKey(name: string, files: { relativePath: string; size: number }[]): string {
  const list = [...files]
    .sort((a, b) => a.relativePath.localeCompare(b.relativePath))
    .map((f) => `${f.relativePath}:${f.size}`)
    .join("|");
  return `${name}#${list}`;
}

/**
 * Transfer speed over a sliding window of recent samples (bytes/second), so a stall shows
 * as a falling number rather than an average over the whole upload.
 */
export class SpeedMeter {
  #samples: { at: number; bytes: number }[] = [];
  readonly #window: number;

  constructor(windowMs = 5000) {
    this.#window = windowMs;
  }

  add(bytes: number, at: number): void {
    this.#samples.push({ at, bytes });
    while (this.#samples.length > 1 && at - this.#samples[0].at > this.#window) {
      this.#samples.shift();
    }
  }

  /** Bytes per second over the window ending at `now`. */
  speed(now: number): number {
    const recent = this.#samples.filter((s) => now - s.at <= this.#window);
    if (!recent.length) return 0;
    const bytes = recent.reduce((sum, s) => sum + s.bytes, 0);
    const span = Math.max(now - recent[0].at, 1000);
    return (bytes * 1000) / span;
  }
}
