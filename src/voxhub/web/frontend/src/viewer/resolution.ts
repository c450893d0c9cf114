/**
 * Dynamic resolution: which fraction of the canvas' resolution to draw at while the view
 * moves, learnt from the time between frames.
 *
 * Fill rate is what a frame costs on WebGL without a GPU (SwiftShader: every fragment is
 * CPU work; measured on the two-core machine here, a settled 1009 × 764 frame of a colour
 * and a segmentation layer took 20x as long as the JavaScript of the frame), and it falls
 * with the square of the scale. While frames take longer than `slowMs`, the scale steps
 * down; after `fastFrames` frames in a row at the display's rate it tries one step finer.
 * It moves one step at a time (two when frames are several budgets long) with at least
 * `stepFrames` frames between steps, so the canvas is not reallocated every frame. The
 * view draws at full resolution again once it settles (see `ViewController`), so what a
 * still view, a link or a test shows is never the reduced picture.
 *
 * Still frames teach it too: fill rate falls with the square of the scale, so a full-resolution
 * frame of `fullMs` predicts `fullMs × scale²` of fill at a scale, and a moving frame about
 * `MOVING_COST` times that. A movement starts at the finest scale
 * predicted to fit (measured under SwiftShader: starting at full resolution cost the first three
 * frames of every pan 70-100 ms), and a finer scale is tried only when predicted to fit (else
 * it was tried after every run of fast frames and dropped again after a slow one).
 */
/**
 * What a moving frame costs against the fill-rate prediction from a still one: it also
 * composites the reduced canvas scaled up to the page, uploads the tiles of the slices it
 * moved to and fills holes from coarser levels. Measured under SwiftShader at 1024³ (a still
 * full-resolution frame 39-44 ms): moving frames took 67-83 ms at 0.75 (fill predicted 23 ms),
 * 50-117 ms at 0.5 (10 ms), 17-33 ms at 0.25; starting at 0.75 made the first five or six
 * frames of every pan long while the scale stepped down.
 */
const MOVING_COST = 3;

export interface MotionScaleOptions {
  /** Scales to choose from, finest first (default 1, 0.75, 0.5, 0.35, 0.25). */
  scales?: number[];
  /** A smoothed frame interval above this steps down (default 24 ms: past 60 Hz's 16.7). */
  slowMs?: number;
  /** Frames faster than this (default 18 ms) count towards stepping up. */
  fastMs?: number;
  /** Fast frames in a row before stepping up (default 30: half a second at 60 Hz). */
  fastFrames?: number;
  /** Frames between two steps at least (default 2). */
  stepFrames?: number;
}

export class MotionScale {
  readonly scales: number[];
  /** Index into `scales` for the next moving frame. */
  step = 0;
  /** Smoothed time a moving frame takes (ms), 0 before the first; kept across movements. */
  interval = 0;
  /** Smoothed time a still full-resolution frame takes (ms), 0 before the first. */
  fullMs = 0;
  #slowMs: number;
  #fastMs: number;
  #fastFrames: number;
  #stepFrames: number;
  #sinceStep = 0;
  #fastRun = 0;

  constructor(options: MotionScaleOptions = {}) {
    this.scales = options.scales ?? [1, 0.75, 0.5, 0.35, 0.25];
    this.#slowMs = options.slowMs ?? 24;
    this.#fastMs = options.fastMs ?? 18;
    this.#fastFrames = options.fastFrames ?? 30;
    this.#stepFrames = options.stepFrames ?? 2;
  }

  get scale(): number {
    return this.scales[this.step];
  }

  /** How long a still frame at full resolution took: moving starts no finer than predicted to fit. */
  observeStill(intervalMs: number): void {
    // Falls at once, rises slowly: a still frame that also uploaded tiles or compiled shaders
    // (the first ones do) is slower than drawing alone.
    this.fullMs = this.fullMs && intervalMs > this.fullMs ? this.fullMs * 0.8 + intervalMs * 0.2 : intervalMs;
    let fit = 0;
    while (fit < this.scales.length - 1 && !this.#fits(fit)) fit++;
    // Before any movement this is all there is to go by; after, moving frames may know better.
    this.step = this.interval ? Math.max(this.step, fit) : fit;
  }

  /** Whether a full-resolution frame's time predicts that a moving frame at scale `step` keeps within `slowMs`. */
  #fits(step: number): boolean {
    return this.fullMs === 0 || this.fullMs * this.scales[step] ** 2 * MOVING_COST <= this.#slowMs;
  }

  /** How long one frame drawn while moving took (until the next animation frame). */
  observe(intervalMs: number): void {
    this.interval = this.interval ? this.interval * 0.7 + intervalMs * 0.3 : intervalMs;
    this.#fastRun = intervalMs < this.#fastMs ? this.#fastRun + 1 : 0;
    if (++this.#sinceStep < this.#stepFrames) return;
    const last = this.scales.length - 1;
    if (this.interval > this.#slowMs && this.step < last) {
      this.step = Math.min(last, this.step + (this.interval > 4 * this.#slowMs ? 2 : 1));
    } else if (this.#fastRun >= this.#fastFrames && this.step > 0 && this.#fits(this.step - 1)) {
      this.step--;
    } else {
      return;
    }
    this.#sinceStep = 0;
    this.#fastRun = 0;
  }
}
