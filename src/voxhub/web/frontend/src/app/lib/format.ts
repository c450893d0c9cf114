/** Small, pure formatting helpers shared by the pages. */

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];

/** `1536` → `1.5 KB` (powers of 1024, one decimal below 10). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Bytes per second as `3.2 MB/s`. */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** `[11, 11, 24]`, `nanometer` → `11 × 11 × 24 nm`. */
export function formatVoxelSize(size: number[], unit = "nanometer"): string {
  const short: Record<string, string> = {
    nanometer: "nm", micrometer: "µm", millimeter: "mm", meter: "m", angstrom: "Å",
  };
  if (!size.length) return "–";
  return `${size.map((v) => +v.toPrecision(6)).join(" × ")} ${short[unit] ?? unit}`;
}

/** A date as the reader's locale shows it (`–` when absent). */
export function formatDate(value: string | null | undefined): string {
  if (!value) return "–";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "–";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A date without the time, for tables. */
export function formatDay(value: string | null | undefined): string {
  if (!value) return "–";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "–" : date.toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** Seconds as `1 min 5 s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Bounding box `{topLeft, width, height, depth}` as `512 × 512 × 128 at (0, 0, 0)`. */
export function formatBox(box: Record<string, unknown>): string {
  const topLeft = (box.topLeft as number[] | undefined) ?? [0, 0, 0];
  return `${box.width} × ${box.height} × ${box.depth} at (${topLeft.join(", ")})`;
}
