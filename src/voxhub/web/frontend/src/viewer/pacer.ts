/**
 * When the view draws a frame, and at what resolution.
 *
 * A frame is drawn on the next animation frame after something changed (the state, the
 * canvas' size, an arriving chunk). While the state moves, the canvas is drawn at the render
 * scale learnt from frame times (see `resolution.ts`); once it has settled, at full resolution
 * again. Chunks that arrive while the view stands still redraw it at most every PROGRESS_MS,
 * the one that completes the screen's level at once.
 */
import { MotionScale } from "./resolution";

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

export class FramePacer {
  /** The render scale while moving (learnt from frame times) and the index of the one in use. */
  readonly motionScale = new MotionScale();
  #step = 0;
  frameTimes: number[] = [];
  /** Whether the last frame drew a plane at a coarser level because the view moved (settling redraws it). */
  coarseSides = false;
  #dirty = true;
  #scheduled = false;
  #lastFrame = 0;
  #cssWidth = 0;
  #cssHeight = 0;
  /** Canvas pixels per CSS pixel now: the capped devicePixelRatio times the render scale. */
  #ratio = 1;
  #lastChange = -Infinity;
  /** performance.now() of the last change of position, zoom or layout (not of a layer setting). */
  #lastMove = -Infinity;
  /** Set while `#frame` draws a new state. */
  #movingFrame = false;
  /** `#lastChange` as of the last drawn frame. */
  #drawnChange = -Infinity;
  #settleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Chunks of the screen's level that the last frame lacked (drawn at once when the last arrives). */
  #awaited = new Set<string>();
  #progressTimer: ReturnType<typeof setTimeout> | null = null;
  /** performance.now() of the last drawn frame. */
  #drawnAt = -Infinity;

  /** `draw` draws a frame (see `ViewController.render`). */
  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly draw: () => void,
  ) {}

  /** The canvas' size in CSS pixels. */
  get cssWidth(): number {
    return this.#cssWidth;
  }

  get cssHeight(): number {
    return this.#cssHeight;
  }

  /** Canvas pixels per CSS pixel now. */
  get ratio(): number {
    return this.#ratio;
  }

  /** Render scale in use (1: full resolution), for the benchmark. */
  get renderScale(): number {
    return this.motionScale.scales[this.#step];
  }

  /** Whether the frame being drawn shows a new state (set only during `draw`). */
  get moving(): boolean {
    return this.#movingFrame;
  }

  /** Whether the view changed within the settle time (it has not settled yet). */
  get settling(): boolean {
    return this.#settleTimer !== null;
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

  /** Full resolution now, as a settled view shows it (tests read that). */
  fullResolution(): void {
    if (this.#step !== 0) {
      this.#step = 0;
      this.#applyScale();
    }
  }

  /**
   * The state changed (`move`: its position, zoom or layout): draw at the motion scale until it
   * settles, then at full resolution.
   */
  changed(move: boolean): void {
    this.#lastChange = performance.now();
    if (move) this.#lastMove = performance.now();
    // A timer already running looks again when it fires (one timer per movement, not one per step).
    if (this.#settleTimer) return;
    const settle = () => {
      const left = this.#quietMs() - (performance.now() - this.#lastChange);
      if (left > 0) {
        this.#settleTimer = setTimeout(settle, left);
        return;
      }
      this.#settleTimer = null;
      if (this.#step !== 0 || this.coarseSides) {
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

  /** The chunks (keys) of the screen's level that the frame being drawn lacks. */
  await(keys: Iterable<string>): void {
    this.#awaited.clear();
    for (const key of keys) this.#awaited.add(key);
  }

  /** A frame is drawn now. */
  drawn(): void {
    this.#drawnAt = performance.now();
  }

  /**
   * A chunk arrived: redraw now if it completes the picture or the view moves, else soon (see
   * PROGRESS_MS). A change of a layer's settings (the first intensity range, from the histogram,
   * comes while chunks stream in) is no movement: counted as one, every arrival in the next
   * 200 ms was a frame of its own (measured at 1024³: seven frames 100 ms apart, each blocking the
   * page 60-100 ms in the compositor's read-back, before the first complete frame).
   */
  arrived(key: string): void {
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
    this.draw();
    this.#movingFrame = false;
    // How long a moving frame takes: the next animation frame comes when this one is through
    // the pipeline (drawn, rasterised, composited), however often the state changes.
    if (moving) requestAnimationFrame((next) => this.motionScale.observe(next - time));
    else if (step === 0) requestAnimationFrame((next) => this.motionScale.observeStill(next - time));
  }
}
