/**
 * Intensity histograms of colour layers, from the coarsest level (a few chunks for the
 * whole volume), to show beside the intensity range and to choose a first range.
 */
import type { ChunkSource, Level } from "./chunksource";
import type { LayerInfo } from "./dataset";

export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

/** Most chunks read for one histogram: a coarse level of a big volume can still be large. */
const MAX_CHUNKS = 64;

export function histogramOf(values: ArrayLike<number>[], bins = 128): Histogram {
  let min = Infinity;
  let max = -Infinity;
  for (const data of values) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!Number.isFinite(min)) return { min: 0, max: 0, counts: new Array(bins).fill(0) };
  const counts = new Array<number>(bins).fill(0);
  const scale = max > min ? bins / (max - min) : 0;
  for (const data of values) {
    for (let i = 0; i < data.length; i++) counts[Math.min(bins - 1, Math.floor((data[i] - min) * scale))]++;
  }
  return { min, max, counts };
}

/** The value range holding all but `tail` of the voxels at each end. */
export function percentileRange(h: Histogram, tail = 0.001): [number, number] {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (!total || h.max <= h.min) return [h.min, Math.max(h.max, h.min + 1)];
  const width = (h.max - h.min) / h.counts.length;
  let seen = 0;
  let lo = 0;
  while (lo < h.counts.length - 1 && seen + h.counts[lo] <= total * tail) seen += h.counts[lo++];
  seen = 0;
  let hi = h.counts.length - 1;
  while (hi > lo && seen + h.counts[hi] <= total * tail) seen += h.counts[hi--];
  return [h.min + lo * width, h.min + (hi + 1) * width];
}

export async function layerHistogram(source: ChunkSource, layer: LayerInfo, levels: Level[]): Promise<Histogram> {
  const index = levels.length - 1;
  const level = levels[index];
  const counts = [0, 1, 2].map((i) => Math.ceil(level.shape[i] / level.chunk[i]));
  const jobs: Promise<ArrayLike<number>>[] = [];
  for (let z = 0; z < counts[2]; z++) {
    for (let y = 0; y < counts[1]; y++) {
      for (let x = 0; x < counts[0]; x++) {
        if (jobs.length >= MAX_CHUNKS) break;
        jobs.push(source.chunk(layer, index, [x, y, z]).then((c) => c.data));
      }
    }
  }
  return histogramOf(await Promise.all(jobs));
}
