/**
 * WebGL2 drawing of planes from tile mosaics (see `mosaics.ts`): one rectangle per level of a
 * layer that a plane shows, with the program of its kind (see `programs.ts`).
 *
 * Within one layer, levels are drawn finest first with a smaller depth, so a coarse level
 * shows only where the finer one has no tile yet ("coarse first, then refine") and additive
 * blending of colour layers never counts one layer twice. Colour layers add up (ONE, ONE);
 * segmentation is alpha-blended over them.
 */
import type { Chunk } from "./chunksource";
import type { LayerInfo, Vec3 } from "./dataset";
import { PLANE_AXES, visibleRange, type PlaneView } from "./geometry";
import { Mosaics, type Mosaic } from "./mosaics";
import { Programs, type ProgramKind } from "./programs";
import { missingRects } from "./tiles";
import type { Interpolation, LayerState } from "./urlstate";

/** One level of a layer as a plane shows it: the chunks it needs there, nearest the centre first. */
export interface DrawLevel {
  level: number;
  mag: Vec3;
  chunkShape: Vec3;
  arrayShape: Vec3;
  /** Chunk coordinates and their keys in the chunk cache. */
  chunks: { key: string; coords: Vec3 }[];
  /** 0 = the level that fits the screen; larger = coarser fallback. */
  rank: number;
}

export interface DrawLayer {
  layer: LayerInfo;
  state: LayerState;
  /** The layer's data box [min, max) in mag-1 voxels: coarse levels are padded past it. */
  bounds: { min: Vec3; max: Vec3 };
  /** Finest (the screen's level) first. */
  levels: DrawLevel[];
}

export interface DrawPlane {
  view: PlaneView;
  /** Viewport in canvas device pixels (x, y from the top left). */
  rect: { x: number; y: number; width: number; height: number };
  layers: DrawLayer[];
}

/** One layer of one plane to draw, its tiles brought in (see `Renderer.draw`). */
interface LayerDraw {
  plane: DrawPlane;
  drawLayer: DrawLayer;
  target: DrawLevel;
  mosaic: Mosaic;
  /** Tiles of `target` not held. */
  left: number;
  /** Coarser levels with tiles here, finest first, up to the first complete one. */
  fills: { level: DrawLevel; mosaic: Mosaic; gaps: number }[];
  /** Whether to blend (not for the first colour layer of a plane). */
  blend: boolean;
}

export class Renderer {
  readonly gl: WebGL2RenderingContext;
  /**
   * Milliseconds of tile uploads per frame at most (at least one tile per frame is uploaded);
   * Infinity uploads all that is loaded (the view sets it while still, see `ViewController.render`).
   */
  uploadMs = 6;
  /** Set while the view moves: holes are filled from one complete coarser level (see `draw`). */
  moving = false;
  /** `fragments`: canvas pixels covered by draws (overdraw counts each time: what software GL pays for). */
  stats = { frames: 0, uploads: 0, uploadedBytes: 0, drawCalls: 0, fragments: 0, textures: 0, textureBytes: 0 };
  #programs: Programs;
  #mosaics: Mosaics;

  constructor(canvas: HTMLCanvasElement) {
    const gl = canvas.getContext("webgl2", { antialias: false, depth: true, preserveDrawingBuffer: false, premultipliedAlpha: true });
    if (!gl) throw new Error("This browser cannot draw with WebGL2.");
    this.gl = gl;
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    this.#mosaics = new Mosaics(gl, this.stats);
    this.#programs = new Programs(gl);
  }

  /** Tiles whose chunk is loaded but whose upload waits for a later frame (the last draw's). */
  get deferred(): number {
    return this.#mosaics.deferred;
  }

  /** Compile every program `draw` will use for these layers (see `Programs.warmUp`). */
  warmUp(layers: LayerInfo[]): void {
    this.#programs.warmUp(layers);
  }

  /** The coarser levels that have tiles here, finest first, up to the first complete one (their tiles brought in). */
  #fills(view: PlaneView, drawLayer: DrawLayer, coarser: DrawLevel[], chunkOf: (key: string) => Chunk | undefined): LayerDraw["fills"] {
    const fills: LayerDraw["fills"] = [];
    for (const level of coarser) {
      const mosaic = this.#mosaics.get(view.plane, drawLayer.layer, level);
      const gaps = this.#mosaics.fill(view.plane, view, mosaic, level, chunkOf);
      if (gaps === level.chunks.length) continue; // nothing of it here yet
      fills.push({ level, mosaic, gaps });
      if (gaps === 0) break;
    }
    return fills;
  }

  /** Draw every plane; returns how many wanted chunks of the screen's levels are not drawn yet (0: complete). */
  draw(canvasHeight: number, planes: DrawPlane[], interpolation: Interpolation, chunkOf: (key: string) => Chunk | undefined): number {
    const gl = this.gl;
    this.#mosaics.beginFrame(this.uploadMs);
    let missing = 0;
    this.stats.frames++;
    gl.disable(gl.SCISSOR_TEST);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.enable(gl.SCISSOR_TEST);
    for (const plane of planes) {
      const { x, y, width, height } = plane.rect;
      gl.viewport(x, canvasHeight - y - height, width, height);
      gl.scissor(x, canvasHeight - y - height, width, height);
      const ordered = [...plane.layers.filter((l) => l.state.kind === "color"), ...plane.layers.filter((l) => l.state.kind === "segmentation")];
      let first = true; // nothing drawn in this plane yet: it is black
      for (const drawLayer of ordered) {
        if (!drawLayer.state.visible) continue;
        const [target, ...coarser] = drawLayer.levels.filter((level) => level.chunks.length);
        if (!target) continue; // the slice is outside the data
        const view = plane.view;
        const mosaic = this.#mosaics.get(view.plane, drawLayer.layer, target);
        const left = this.#mosaics.fill(view.plane, view, mosaic, target, chunkOf);
        if (target.rank === 0) missing += left;
        const fills = left === 0 ? [] : this.#fills(view, drawLayer, coarser, chunkOf);
        this.#drawLayer({ plane, drawLayer, target, mosaic, left, fills, blend: !(first && drawLayer.state.kind === "color") }, interpolation);
        first = false;
      }
    }
    gl.disable(gl.SCISSOR_TEST);
    this.#mosaics.evict();
    return missing;
  }

  /**
   * Draw one layer of one plane: its level, and coarser ones where that has no tile yet.
   *
   * Software GL (SwiftShader) pays for every fragment of every rectangle, and a shader that can
   * discard gets no early depth test: each coarser level drawn under the holes shades them
   * again. So a level that holds nothing is not drawn, and while moving the holes are filled
   * from one complete level only (measured under SwiftShader: the first frames of a pan, whose
   * side planes start on a level not loaded yet, shaded 2.5x the canvas' pixels in 26-34
   * rectangles and took 50-160 ms; see docs/viewer.md).
   */
  #drawLayer({ plane, drawLayer, target, mosaic, left, fills, blend }: LayerDraw, interpolation: Interpolation): void {
    const gl = this.gl;
    const view = plane.view;
    const scale = plane.rect.width / view.width;
    const last = fills[fills.length - 1];
    const complete = last && last.gaps === 0 ? last : null;
    const drawn = this.moving && complete ? [complete] : fills;
    // The first colour layer on black needs no blending (ONE, ONE over 0 is itself).
    if (blend) gl.enable(gl.BLEND);
    else gl.disable(gl.BLEND);
    if (left === target.chunks.length && complete && drawn.length === 1) {
      // Nothing of the screen's level here yet: the complete coarser level alone, as if it were it.
      gl.disable(gl.DEPTH_TEST);
      this.#drawLevel(view, drawLayer, complete.level, complete.mosaic, interpolation, true, null, scale);
      return;
    }
    // A complete level alone needs no depth test.
    if (left === 0) {
      gl.disable(gl.DEPTH_TEST);
    } else {
      gl.enable(gl.DEPTH_TEST);
      gl.clear(gl.DEPTH_BUFFER_BIT);
    }
    if (left < target.chunks.length) this.#drawLevel(view, drawLayer, target, mosaic, interpolation, left === 0, null, scale);
    if (left === 0) return;
    gl.enable(gl.BLEND);
    // Coarser levels fill in only where the screen's level has no tile yet: drawing
    // them over the whole plane costs more fill rate than anything else here.
    const holes = missingRects(view.plane, target, mosaic.held, mosaic.slots);
    for (const fill of drawn) {
      for (const rect of holes) this.#drawLevel(view, drawLayer, fill.level, fill.mosaic, interpolation, fill.gaps === 0, rect, scale);
    }
  }

  /** Draw one level as one rectangle: the visible data, or only `only` ([u0, u1, v0, v1], mag-1 voxels). */
  #drawLevel(view: PlaneView, drawLayer: DrawLayer, level: DrawLevel, mosaic: Mosaic, interpolation: Interpolation, complete: boolean, only: number[] | null, canvasPerCss: number): void {
    const gl = this.gl;
    const state = drawLayer.state;
    const kind: ProgramKind = state.kind === "segmentation" ? "segmentation" : mosaic.format[2] === gl.FLOAT ? "colorFloat" : "colorUint";
    const p = this.#programs.get(kind);
    gl.useProgram(p.program);
    const [u, v] = PLANE_AXES[view.plane];
    const { mag, arrayShape: s } = level;
    // The visible part of the data, in mag-1 voxels (coarse levels are padded past the data).
    const range = visibleRange(view);
    const clip = (axis: number, [lo, hi]: [number, number]): [number, number] => [
      Math.max(lo, drawLayer.bounds.min[axis], 0),
      Math.min(hi, drawLayer.bounds.max[axis], s[axis] * mag[axis]),
    ];
    const [U0, U1] = clip(u, only ? [Math.max(range.u[0], only[0]), Math.min(range.u[1], only[1])] : range.u);
    const [V0, V1] = clip(v, only ? [Math.max(range.v[0], only[2]), Math.min(range.v[1], only[3])] : range.v);
    if (U1 <= U0 || V1 <= V0) return;
    const toScreen = (axis: number, voxel: number, half: number) =>
      half + ((voxel - view.position[axis]) * view.voxelSize[axis]) / view.pixelSize;
    gl.uniform4f(p.uniform("u_screen"), toScreen(u, U0, view.width / 2), toScreen(v, V0, view.height / 2), toScreen(u, U1, view.width / 2), toScreen(v, V1, view.height / 2));
    gl.uniform2f(p.uniform("u_viewport"), view.width, view.height);
    gl.uniform4f(p.uniform("u_voxel"), U0 / mag[u], V0 / mag[v], U1 / mag[u], V1 / mag[v]);
    gl.uniform1f(p.uniform("u_depth"), Math.min(0.99, level.rank / 16));
    gl.uniform2i(p.uniform("u_tile"), mosaic.tile[0], mosaic.tile[1]);
    gl.uniform2i(p.uniform("u_slots"), mosaic.slots[0], mosaic.slots[1]);
    gl.uniform2i(p.uniform("u_shape"), s[u], s[v]);
    gl.uniform1i(p.uniform("u_linear"), interpolation === "linear" ? 1 : 0);
    gl.uniform1i(p.uniform("u_complete"), complete ? 1 : 0);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, mosaic.texture);
    gl.uniform1i(p.uniform("u_data"), 0);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, mosaic.heldTexture);
    gl.uniform1i(p.uniform("u_held"), 1);
    gl.activeTexture(gl.TEXTURE0);
    if (state.kind === "segmentation") {
      const alpha = state.opacity / 100;
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.uniform1f(p.uniform("u_alpha"), alpha);
      const id = BigInt(state.selected); // a decimal string: exact past 2^53
      gl.uniform2ui(p.uniform("u_selected"), Number(id & 0xffffffffn), Number((id >> 32n) & 0xffffffffn));
      gl.uniform1i(p.uniform("u_onlySelected"), state.onlySelected && id > 0n ? 1 : 0);
    } else {
      gl.blendFunc(gl.ONE, gl.ONE);
      const k = state.opacity / 100 / 255;
      gl.uniform3f(p.uniform("u_color"), state.color[0] * k, state.color[1] * k, state.color[2] * k);
      const range = state.range ?? [0, 255];
      gl.uniform2f(p.uniform("u_range"), range[0], range[1]);
      gl.uniform1i(p.uniform("u_invert"), state.inverted ? 1 : 0);
    }
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    this.stats.drawCalls++;
    const pixels = (toScreen(u, U1, 0) - toScreen(u, U0, 0)) * (toScreen(v, V1, 0) - toScreen(v, V0, 0));
    this.stats.fragments += Math.round(pixels * (canvasPerCss * canvasPerCss));
  }

  /** RGBA pixels of a canvas rectangle, top row first. */
  readPixels(canvasHeight: number, rect: { x: number; y: number; width: number; height: number }): Uint8Array {
    const gl = this.gl;
    const out = new Uint8Array(rect.width * rect.height * 4);
    gl.readPixels(rect.x, canvasHeight - rect.y - rect.height, rect.width, rect.height, gl.RGBA, gl.UNSIGNED_BYTE, out);
    const row = rect.width * 4;
    const flipped = new Uint8Array(out.length);
    for (let r = 0; r < rect.height; r++) flipped.set(out.subarray(r * row, (r + 1) * row), (rect.height - 1 - r) * row);
    return flipped;
  }
}
