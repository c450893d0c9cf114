/**
 * The viewer's controller: state in, frames out.
 *
 * It owns the state (mirrored into the URL hash), turns it into plane views and, for each
 * frame, into the planes to draw and the chunks to ask the loader for (see `frameplan.ts`);
 * when frames are drawn, and at what resolution, is the pacer's business (see `pacer.ts`).
 * Mouse and keys change the state only through `update`.
 */
import type { Chunk, ChunkSource, Level } from "./chunksource";
import type { DatasetInfo, LayerInfo, Vec3 } from "./dataset";
import { canvasRect, planFrame } from "./frameplan";
import { levelFor, pixelSizeOf, PLANE_AXES, PLANES, screenToVoxel, type PlaneId, type PlaneView } from "./geometry";
import { chunkKey, ChunkLoader, magLabel } from "./loader";
import { FramePacer } from "./pacer";
import { Renderer } from "./renderer";
import type { MotionScale } from "./resolution";
import { formatState, type ViewerState } from "./urlstate";

export interface PlaneLayout {
  plane: PlaneId;
  /** CSS pixels from the canvas' top left; even sizes so that a voxel never straddles a pixel at zoom 1. */
  x: number;
  y: number;
  width: number;
  height: number;
}

const GAP = 4;

/** Where each plane sits on a canvas of `width` × `height` CSS pixels. */
export function planeLayouts(layout: ViewerState["layout"], width: number, height: number): PlaneLayout[] {
  const even = (n: number) => Math.max(2, Math.floor(n / 2) * 2);
  if (layout !== "ortho") return [{ plane: layout, x: 0, y: 0, width: even(width), height: even(height) }];
  const w = even((width - GAP) / 2);
  const h = even((height - GAP) / 2);
  return [
    { plane: "xy", x: 0, y: 0, width: w, height: h },
    { plane: "yz", x: w + GAP, y: 0, width: w, height: h },
    { plane: "xz", x: 0, y: h + GAP, width: w, height: h },
  ];
}

/** Bytes as base64 (a test reads megabytes of pixels: a JSON array of numbers would crawl). */
function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export type Listener = (state: ViewerState) => void;

/**
 * The panels (a Preact tree) hear of state changes at most this often while the state moves
 * continuously: re-rendering them on every pan step cost more main-thread time per frame
 * than drawing the planes. The last change always reaches them (trailing edge).
 */
const NOTIFY_MS = 100;

export class ViewController {
  state: ViewerState;
  readonly loader: ChunkLoader;
  readonly renderer: Renderer;
  readonly pacer: FramePacer;
  levels = new Map<string, Level[]>();
  #levels: Promise<Level[][]>;
  /** Set when every chunk of the screen's level is drawn. */
  complete = false;
  /** performance.now() (ms since navigation start) of the first complete frame. */
  firstCompleteMs: number | null = null;
  #listeners = new Set<Listener>();
  #frameListeners = new Set<() => void>();
  #lastNotify = -Infinity;
  #notifyTimer: ReturnType<typeof setTimeout> | null = null;
  /** Sign of the last movement along x, y, z (prefetch looks that way). */
  #motion: Vec3 = [0, 0, 0];
  #hashTimer: ReturnType<typeof setTimeout> | null = null;
  /** How far the last change moved the position along x, y, z (mag-1 voxels). */
  #lastStep: Vec3 = [0, 0, 0];
  /** Whether the shaders were compiled yet (see `render`). */
  #warmedUp = false;
  /** Whether any frame was drawn yet (see `render`). */
  #drawnOnce = false;

  constructor(
    readonly info: DatasetInfo,
    readonly source: ChunkSource,
    readonly canvas: HTMLCanvasElement,
    state: ViewerState,
  ) {
    this.state = state;
    // The array metadata is asked for before the WebGL context is made: creating it waits for
    // the GPU process (its start-up, under SwiftShader 50-100 ms), which the requests now overlap.
    this.#levels = Promise.all(info.layers.map((layer) => source.levels(layer)));
    this.#levels.catch(() => undefined); // `start` reports it
    this.renderer = new Renderer(canvas);
    this.pacer = new FramePacer(canvas, () => this.render());
    this.loader = new ChunkLoader(source, {
      onChunk: (key) => this.pacer.arrived(key),
    });
  }

  async start(): Promise<void> {
    // All layers' levels at once: a frame drawn while only some were known left the others
    // out, found nothing missing and counted as complete (test_show_only_the_selected_segment
    // read that black frame about once in fifteen runs).
    const levels = await this.#levels;
    this.levels = new Map(this.info.layers.map((layer, i) => [layer.name, levels[i]]));
    this.invalidate();
  }

  /** Called with the state after changes, at most every NOTIFY_MS (see there). */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called after every drawn frame (the overlay follows the planes frame by frame). */
  onFrame(listener: () => void): () => void {
    this.#frameListeners.add(listener);
    return () => this.#frameListeners.delete(listener);
  }

  #notify(): void {
    const wait = NOTIFY_MS - (performance.now() - this.#lastNotify);
    const run = () => {
      this.#notifyTimer = null;
      this.#lastNotify = performance.now();
      for (const listener of this.#listeners) listener(this.state);
    };
    if (wait <= 0 && !this.#notifyTimer) run();
    else this.#notifyTimer ??= setTimeout(run, Math.max(0, wait));
  }

  /** Change the state: redraw, tell the panels, and write the URL (debounced). */
  update(change: Partial<ViewerState>): void {
    const before = this.state.position;
    this.state = { ...this.state, ...change };
    this.complete = false; // until the next frame has drawn the new state
    this.pacer.changed(Boolean(change.position || change.zoom !== undefined || change.layout));
    this.#lastStep = change.position ? ([0, 1, 2].map((i) => Math.abs(change.position![i] - before[i])) as Vec3) : [0, 0, 0];
    if (change.position) {
      this.#motion = [0, 1, 2].map((i) => Math.sign(change.position![i] - before[i])) as Vec3;
    }
    this.#notify();
    if (this.#hashTimer) clearTimeout(this.#hashTimer);
    this.#hashTimer = setTimeout(() => this.writeHash(), 150);
    this.invalidate();
  }

  writeHash(): void {
    const hash = formatState(this.state);
    if (location.hash !== hash) history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
  }

  resize(cssWidth: number, cssHeight: number): void {
    this.pacer.resize(cssWidth, cssHeight);
  }

  /** Render scale in use (1: full resolution), for the benchmark. */
  get renderScale(): number {
    return this.pacer.renderScale;
  }

  /** Frame intervals (ms) and the render scale while moving: see `FramePacer`. */
  get frameTimes(): number[] {
    return this.pacer.frameTimes;
  }

  get motionScale(): MotionScale {
    return this.pacer.motionScale;
  }

  layouts(): PlaneLayout[] {
    return planeLayouts(this.state.layout, this.pacer.cssWidth, this.pacer.cssHeight);
  }

  planeView(layout: PlaneLayout): PlaneView {
    return {
      plane: layout.plane,
      width: layout.width,
      height: layout.height,
      position: this.state.position,
      pixelSize: pixelSizeOf(this.state.zoom, this.info.voxelSize),
      voxelSize: this.info.voxelSize,
    };
  }

  /** The plane under a CSS point of the canvas, with the point relative to that plane. */
  planeAt(x: number, y: number): { layout: PlaneLayout; view: PlaneView; px: number; py: number } | null {
    for (const layout of this.layouts()) {
      if (x >= layout.x && x < layout.x + layout.width && y >= layout.y && y < layout.y + layout.height) {
        return { layout, view: this.planeView(layout), px: x - layout.x, py: y - layout.y };
      }
    }
    return null;
  }

  /** Index of the level drawn for `layer` in `plane` at the current zoom. */
  levelIndex(layer: LayerInfo, plane: PlaneId): number {
    return levelFor(plane, pixelSizeOf(this.state.zoom, this.info.voxelSize), this.info.voxelSize, layer.mags.map((m) => m.mag));
  }

  /** The mag the XY plane of the first visible layer shows (for the toolbar). */
  currentMag(): string {
    const layer = this.info.layers.find((l) => this.state.layers[l.name]?.visible) ?? this.info.layers[0];
    if (!layer) return "-";
    return magLabel(layer.mags[this.levelIndex(layer, this.state.layout === "ortho" ? "xy" : this.state.layout)].mag);
  }

  invalidate(): void {
    this.pacer.invalidate();
  }

  /** Build the frame's plane list and wanted chunks; draw what is loaded. */
  render(): void {
    if (!this.levels.size) return;
    // Uploads are spread over frames only in a frame that draws a new state, to keep motion
    // smooth. Any other frame (a still view, chunks arriving, at whatever render scale) takes
    // all loaded tiles at once: every extra frame costs a whole rasterisation, which (measured
    // under SwiftShader) kept the first complete frame waiting seconds after the last chunk
    // had arrived, one 6 ms upload slice per slow frame; deciding this by the render scale
    // chained frames while a still view loaded at the motion scale.
    this.renderer.uploadMs = this.pacer.moving ? 6 : Infinity;
    this.renderer.moving = this.pacer.moving;
    const { planes, wanted, coarse, prefetch, coarseSides } = planFrame(this, { moving: this.pacer.settling, step: this.#lastStep, direction: this.#motion }, this.pacer.ratio);
    this.pacer.coarseSides = coarseSides;
    this.loader.want([...coarse, ...wanted, ...prefetch]);
    // The shaders are compiled once the first chunks are asked for, not before: the compile
    // (100-400 ms of SwiftShader) blocks the page's thread at its next commit, which read
    // back the canvas and waited for it; before, that held up the array metadata the first
    // requests need, now it overlaps their fetching and decoding in the workers.
    if (!this.#warmedUp) {
      this.#warmedUp = true;
      this.renderer.warmUp(this.info.layers);
    }
    this.pacer.await(wanted.map((request) => chunkKey(request.layer.name, request.level, request.coords)).filter((key) => !this.loader.peek(key)));
    // Until the first chunk arrives there is nothing to draw but black (the canvas' background
    // is black already), and every frame drawn costs a rasterisation that the page's next
    // commit waits for.
    if (!this.#drawnOnce && wanted.length > 0 && !planes.some((p) => p.layers.some((l) => l.levels.some((level) => level.chunks.some((c) => this.loader.peek(c.key)))))) {
      this.complete = false;
      return;
    }
    this.#drawnOnce = true;
    this.pacer.drawn();
    const missing = this.renderer.draw(this.canvas.height, planes, this.state.interpolation, (key) => this.loader.peek(key));
    const wasComplete = this.complete;
    this.complete = missing === 0;
    if (this.renderer.deferred > 0) this.pacer.invalidate(); // uploads spread over frames (arrivals invalidate by themselves)
    if (this.complete && this.firstCompleteMs === null) this.firstCompleteMs = performance.now();
    // The panels follow the state (see `update`); a frame only tells them when it completes.
    if (this.complete !== wasComplete) this.#notify();
    for (const listener of this.#frameListeners) listener();
  }

  /** The value of a layer at a mag-1 voxel, from the finest loaded level (null if none loaded). */
  valueAt(layer: LayerInfo, point: Vec3): number | bigint | null {
    const levels = this.levels.get(layer.name);
    if (!levels) return null;
    for (let index = 0; index < levels.length; index++) {
      const level = levels[index];
      const voxel = [0, 1, 2].map((i) => Math.floor(Math.floor(point[i]) / level.mag[i]));
      if (voxel.some((v, i) => v < 0 || v >= level.shape[i])) return null;
      const coords = voxel.map((v, i) => Math.floor(v / level.chunk[i])) as Vec3;
      const chunk: Chunk | undefined = this.loader.peek(chunkKey(layer.name, index, coords));
      if (!chunk) continue;
      const [cx, cy] = chunk.shape;
      const local = voxel.map((v, i) => v - coords[i] * level.chunk[i]);
      const offset = (local[2] * cy + local[1]) * cx + local[0];
      if (chunk.components === 2) {
        return (BigInt(chunk.data[offset * 2 + 1]) << 32n) | BigInt(chunk.data[offset * 2]);
      }
      return chunk.data[offset];
    }
    return null;
  }

  /** Move the slice of `plane` by `steps` mag-1 voxels. */
  moveSlice(plane: PlaneId, steps: number): void {
    const w = PLANE_AXES[plane][2];
    const position: Vec3 = [...this.state.position];
    position[w] = Math.floor(position[w]) + steps;
    this.update({ position });
  }

  /** Pan `plane` by a screen distance in CSS pixels. */
  pan(plane: PlaneId, dx: number, dy: number): void {
    const [u, v] = PLANE_AXES[plane];
    const size = pixelSizeOf(this.state.zoom, this.info.voxelSize);
    const position: Vec3 = [...this.state.position];
    position[u] -= (dx * size) / this.info.voxelSize[u];
    position[v] -= (dy * size) / this.info.voxelSize[v];
    this.update({ position });
  }

  /** Zoom by `factor` keeping the point under (px, py) of a plane where it is. */
  zoomAround(layout: PlaneLayout, px: number, py: number, factor: number): void {
    const view = this.planeView(layout);
    const before = screenToVoxel(view, px, py);
    const zoom = Math.min(1e4, Math.max(1 / 64, this.state.zoom * factor));
    const after = screenToVoxel({ ...view, pixelSize: pixelSizeOf(zoom, this.info.voxelSize) }, px, py);
    const [u, v] = PLANE_AXES[layout.plane];
    const position: Vec3 = [...this.state.position];
    position[u] += before[u] - after[u];
    position[v] += before[v] - after[v];
    this.update({ zoom, position });
  }

  /** Pixels of one plane as drawn (RGBA, top row first), after a synchronous redraw. */
  readPlane(plane: PlaneId): { width: number; height: number; base64: string; position: Vec3; pixelSize: number } | null {
    const layout = this.layouts().find((l) => l.plane === plane);
    if (!layout) return null;
    this.pacer.fullResolution(); // tests read what a settled view shows
    this.#lastStep = [0, 0, 0]; // every plane at the level that fits
    this.render();
    const rect = canvasRect(layout, this.pacer.ratio);
    const pixels = this.renderer.readPixels(this.canvas.height, rect);
    return { width: rect.width, height: rect.height, base64: toBase64(pixels), position: [...this.state.position], pixelSize: pixelSizeOf(this.state.zoom, this.info.voxelSize) };
  }

  /** Counters for tests and the benchmark (`window.__voxhubViewer.stats`). */
  stats(): Record<string, unknown> {
    return {
      loader: { ...this.loader.stats, requestsByMag: { ...this.loader.stats.requestsByMag } },
      cache: { ...this.loader.cache.stats },
      renderer: { ...this.renderer.stats },
      complete: this.complete,
      firstCompleteMs: this.firstCompleteMs,
      pending: this.loader.pending,
    };
  }
}

export { PLANES };
