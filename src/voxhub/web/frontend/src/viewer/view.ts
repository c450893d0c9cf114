/**
 * The viewer's controller: state in, frames out.
 *
 * It owns the state (mirrored into the URL hash), turns it into plane views, asks the loader
 * for the chunks they need (coarse fallback first, then the level that fits the screen, then
 * prefetch in the direction of the last movement) and redraws on the next animation frame
 * whenever the state changed or a chunk arrived. Mouse and keys change the state only
 * through `update`.
 */
import type { Chunk, ChunkSource, Level } from "./chunksource";
import type { DatasetInfo, LayerInfo, Vec3 } from "./dataset";
import { levelFor, pixelSizeOf, PLANE_AXES, PLANES, screenToVoxel, shiftedView, visibleChunks, type PlaneId, type PlaneView } from "./geometry";
import { chunkKey, ChunkLoader, magLabel, type ChunkRequest } from "./loader";
import { Renderer, type DrawLayer, type DrawLevel, type DrawPlane } from "./renderer";
import { MotionScale } from "./resolution";
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

/** Canvas pixels per CSS pixel at most: past 2, a high-density screen costs 4x the fill for detail hardly seen. */
const MAX_DPR = 2;

/** Without changes for this long (or a few frames, if slower) the view has settled: full resolution again (see `resolution.ts`). */
const SETTLE_MS = 200;

/**
 * While chunks stream in to a still view, a frame that does not complete the screen's level
 * is drawn at most this often; the chunk that completes it is drawn at once. Redrawing on
 * every arrival cost more than the chunks: measured with SwiftShader on 256³, 22 frames in
 * the first 4.5 s, each tens of ms of rasterisation in the GPU process, with the page's main
 * thread blocked 2.4 s in the compositor's read-back of the canvas (software compositing)
 * while decoded chunks waited in its message queue.
 */
const PROGRESS_MS = 300;

/** Levels coarser than the one that fits that a plane whose slice sweeps shows while moving (see `render`). */
const SIDE_COARSER = 2;

export class ViewController {
  state: ViewerState;
  readonly loader: ChunkLoader;
  readonly renderer: Renderer;
  levels = new Map<string, Level[]>();
  #levels: Promise<Level[][]>;
  /** Set when every chunk of the screen's level is drawn. */
  complete = false;
  /** performance.now() (ms since navigation start) of the first complete frame. */
  firstCompleteMs: number | null = null;
  frameTimes: number[] = [];
  #dirty = true;
  #scheduled = false;
  #listeners = new Set<Listener>();
  #frameListeners = new Set<() => void>();
  #lastNotify = -Infinity;
  #notifyTimer: ReturnType<typeof setTimeout> | null = null;
  /** Sign of the last movement along x, y, z (prefetch looks that way). */
  #motion: Vec3 = [0, 0, 0];
  #hashTimer: ReturnType<typeof setTimeout> | null = null;
  #cssWidth = 0;
  #cssHeight = 0;
  /** Canvas pixels per CSS pixel now: the capped devicePixelRatio times the render scale. */
  #ratio = 1;
  #lastFrame = 0;
  /** The render scale while moving (learnt from frame times) and the index of the one in use. */
  readonly motionScale = new MotionScale();
  #step = 0;
  #lastChange = -Infinity;
  /** performance.now() of the last change of position, zoom or layout (not of a layer setting). */
  #lastMove = -Infinity;
  /** How far the last change moved the position along x, y, z (mag-1 voxels). */
  #lastStep: Vec3 = [0, 0, 0];
  /** Whether the last frame drew a plane at its coarser level while moving (see `SIDE_COARSER`). */
  #coarseSides = false;
  /** Whether the shaders were compiled yet (see `render`). */
  #warmedUp = false;
  /** Whether any frame was drawn yet (see `render`). */
  #drawnOnce = false;
  /** Set while `#frame` draws a new state (see `render`). */
  #movingFrame = false;
  /** `#lastChange` as of the last drawn frame. */
  #drawnChange = -Infinity;
  #settleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Chunks of the screen's level that the last frame lacked (drawn at once when the last arrives). */
  #awaited = new Set<string>();
  #progressTimer: ReturnType<typeof setTimeout> | null = null;
  /** performance.now() of the last drawn frame. */
  #drawnAt = -Infinity;

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
    this.loader = new ChunkLoader(source, {
      onChunk: (key) => this.#arrived(key),
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
    this.#moved();
    if (change.position || change.zoom !== undefined || change.layout) this.#lastMove = performance.now();
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
    this.#cssWidth = cssWidth;
    this.#cssHeight = cssHeight;
    this.#applyScale(true);
    this.invalidate();
  }

  /** Size the canvas for the current render scale (no-op when unchanged, unless `force`). */
  #applyScale(force = false): void {
    const ratio = Math.min(window.devicePixelRatio || 1, MAX_DPR) * this.motionScale.scales[this.#step];
    if (!force && ratio === this.#ratio) return;
    this.#ratio = ratio;
    this.canvas.width = Math.max(1, Math.round(this.#cssWidth * ratio));
    this.canvas.height = Math.max(1, Math.round(this.#cssHeight * ratio));
  }

  /** The state changed: draw at the motion scale until it settles, then at full resolution. */
  #moved(): void {
    this.#lastChange = performance.now();
    // A timer already running looks again when it fires (one timer per movement, not one per step).
    if (this.#settleTimer) return;
    const settle = () => {
      const left = this.#quietMs() - (performance.now() - this.#lastChange);
      if (left > 0) {
        this.#settleTimer = setTimeout(settle, left);
        return;
      }
      this.#settleTimer = null;
      if (this.#step !== 0 || this.#coarseSides) {
        this.#step = 0;
        this.#applyScale();
        this.invalidate();
      }
    };
    this.#settleTimer = setTimeout(settle, this.#quietMs());
  }

  /** How long without changes counts as settled: longer than a few frames, however slow they are. */
  #quietMs(): number {
    return Math.max(SETTLE_MS, 2.5 * this.motionScale.interval);
  }

  /** Render scale in use (1: full resolution), for the benchmark. */
  get renderScale(): number {
    return this.motionScale.scales[this.#step];
  }

  layouts(): PlaneLayout[] {
    return planeLayouts(this.state.layout, this.#cssWidth, this.#cssHeight);
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

  /**
   * A chunk arrived: redraw now if it completes the picture or the view moves, else soon (see
   * PROGRESS_MS). A change of a layer's settings (the first intensity range, from the histogram,
   * comes while chunks stream in) is no movement: counted as one, every arrival in the next
   * 200 ms was a frame of its own (measured at 1024³: seven frames 100 ms apart, each blocking the
   * page 60-100 ms in the compositor's read-back, before the first complete frame).
   */
  #arrived(key: string): void {
    const awaited = this.#awaited.delete(key);
    if ((awaited && this.#awaited.size === 0) || performance.now() - this.#lastMove < SETTLE_MS) {
      this.invalidate();
      return;
    }
    if (this.#progressTimer || this.#scheduled) return;
    const wait = PROGRESS_MS - (performance.now() - this.#drawnAt);
    if (wait <= 0) {
      this.invalidate();
      return;
    }
    this.#progressTimer = setTimeout(() => {
      this.#progressTimer = null;
      this.invalidate();
    }, wait);
  }

  invalidate(): void {
    this.#dirty = true;
    if (!this.#scheduled) {
      this.#scheduled = true;
      requestAnimationFrame((t) => this.#frame(t));
    }
  }

  #frame(time: number): void {
    this.#scheduled = false;
    if (this.#lastFrame) this.frameTimes.push(time - this.#lastFrame);
    if (this.frameTimes.length > 10000) this.frameTimes.splice(0, 5000);
    this.#lastFrame = time;
    if (!this.#dirty) return;
    this.#dirty = false;
    // A frame that draws a new state is a moving one; frames for arriving chunks keep the
    // scale in use (the settle timer brings full resolution back).
    const moving = this.#lastChange > this.#drawnChange;
    this.#drawnChange = this.#lastChange;
    // While chunks of the screen's level are still on their way, the picture is drawn again
    // when the last one arrives: the frames before it are drawn at the motion scale too (at
    // 1024³ a full-resolution frame of two layers cost 200 ms of SwiftShader, during which the
    // page could not even take the decoded chunks from its workers).
    const loading = this.#awaited.size > 0;
    const step = moving || loading ? this.motionScale.step : this.#settleTimer === null ? 0 : this.#step;
    if (step !== this.#step) {
      this.#step = step;
      this.#applyScale();
    }
    this.#movingFrame = moving;
    this.render();
    this.#movingFrame = false;
    // How long a moving frame takes: the next animation frame comes when this one is through
    // the pipeline (drawn, rasterised, composited), however often the state changes.
    if (moving) requestAnimationFrame((next) => this.motionScale.observe(next - time));
    else if (step === 0) requestAnimationFrame((next) => this.motionScale.observeStill(next - time));
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
    this.renderer.uploadMs = this.#movingFrame ? 6 : Infinity;
    this.renderer.moving = this.#movingFrame;
    const wanted: ChunkRequest[] = [];
    const coarse: ChunkRequest[] = [];
    const prefetch: ChunkRequest[] = [];
    const planes: DrawPlane[] = [];
    let coarseSides = false;
    for (const layout of this.layouts()) {
      const view = this.planeView(layout);
      const drawLayers: DrawLayer[] = [];
      for (const layer of this.info.layers) {
        const state = this.state.layers[layer.name];
        const levels = this.levels.get(layer.name);
        if (!state || !state.visible || !levels) continue;
        const fits = this.levelIndex(layer, layout.plane);
        const w = PLANE_AXES[layout.plane][2];
        // A plane whose slice sweeps by more than one voxel of its level per step shows a
        // different picture every frame: every tile is uploaded again (under SwiftShader the
        // slicing and uploads of the side planes were most of a pan frame's script) and its
        // chunks are fetched only to be passed. While the view moves, it shows a coarser level.
        const sweeping = this.#settleTimer !== null && this.#lastStep[w] > levels[fits].mag[w];
        const target = sweeping ? Math.min(levels.length - 1, fits + SIDE_COARSER) : fits;
        coarseSides ||= target !== fits;
        const drawLevels: DrawLevel[] = [];
        const bounds = { min: layer.topLeft, max: [0, 1, 2].map((i) => layer.topLeft[i] + layer.size[i]) as Vec3 };
        const add = (index: number, list: ChunkRequest[] | null) => {
          const level = levels[index];
          const chunks = visibleChunks(view, level, index).map((ref) => {
            list?.push({ layer, level: index, coords: ref.coords });
            return { key: chunkKey(layer.name, index, ref.coords), coords: ref.coords };
          });
          drawLevels.push({ level: index, mag: level.mag, chunkShape: level.chunk, arrayShape: level.shape, chunks, rank: index - target });
        };
        add(target, wanted);
        // Coarser levels already loaded show through until the target arrives; the coarsest
        // is asked for too (a handful of chunks) so something is drawn at once.
        for (let index = target + 1; index < levels.length; index++) add(index, index === levels.length - 1 ? coarse : null);
        const [u, v] = PLANE_AXES[layout.plane];
        const motion = this.#motion;
        const level = levels[target];
        if (motion[w] !== 0) {
          // Moving through slices: the next two chunk layers ahead.
          for (const steps of [1, 2]) {
            const ahead = shiftedView(view, level, motion[w] * steps);
            if (!ahead) break;
            for (const ref of visibleChunks(ahead, level, target)) prefetch.push({ layer, level: target, coords: ref.coords, prefetch: true });
          }
        } else if (motion[u] !== 0 || motion[v] !== 0) {
          // Panning: the chunks one chunk further in the direction of movement.
          const position: Vec3 = [...view.position];
          position[u] += motion[u] * level.chunk[u] * level.mag[u];
          position[v] += motion[v] * level.chunk[v] * level.mag[v];
          for (const ref of visibleChunks({ ...view, position }, level, target)) prefetch.push({ layer, level: target, coords: ref.coords, prefetch: true });
        }
        drawLayers.push({ layer, state, bounds, levels: drawLevels });
      }
      const d = this.#ratio;
      planes.push({
        view,
        rect: { x: Math.round(layout.x * d), y: Math.round(layout.y * d), width: Math.round(layout.width * d), height: Math.round(layout.height * d) },
        layers: drawLayers,
      });
    }
    this.#coarseSides = coarseSides;
    this.loader.want([...coarse, ...wanted, ...prefetch]);
    // The shaders are compiled once the first chunks are asked for, not before: the compile
    // (100-400 ms of SwiftShader) blocks the page's thread at its next commit, which read
    // back the canvas and waited for it; before, that held up the array metadata the first
    // requests need, now it overlaps their fetching and decoding in the workers.
    if (!this.#warmedUp) {
      this.#warmedUp = true;
      this.renderer.warmUp(this.info.layers);
    }
    this.#awaited.clear();
    for (const request of wanted) {
      const key = chunkKey(request.layer.name, request.level, request.coords);
      if (!this.loader.peek(key)) this.#awaited.add(key);
    }
    // Until the first chunk arrives there is nothing to draw but black (the canvas' background
    // is black already), and every frame drawn costs a rasterisation that the page's next
    // commit waits for.
    if (!this.#drawnOnce && wanted.length > 0 && !planes.some((p) => p.layers.some((l) => l.levels.some((level) => level.chunks.some((c) => this.loader.peek(c.key)))))) {
      this.complete = false;
      return;
    }
    this.#drawnOnce = true;
    this.#drawnAt = performance.now();
    const missing = this.renderer.draw(this.canvas.height, planes, this.state.interpolation, (key) => this.loader.peek(key));
    const wasComplete = this.complete;
    this.complete = missing === 0;
    if (this.renderer.deferred > 0) this.invalidate(); // uploads spread over frames (arrivals invalidate by themselves)
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
    if (this.#step !== 0) {
      this.#step = 0; // tests read what a settled view shows
      this.#applyScale();
    }
    this.#lastStep = [0, 0, 0]; // every plane at the level that fits
    this.render();
    const d = this.#ratio;
    const rect = { x: Math.round(layout.x * d), y: Math.round(layout.y * d), width: Math.round(layout.width * d), height: Math.round(layout.height * d) };
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
