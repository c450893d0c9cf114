/**
 * WebGL2 drawing of planes from tile mosaics (see `tiles.ts`): for every plane, layer and
 * level one 2D texture holding the slices of the chunks it shows, and one rectangle drawn
 * per level.
 *
 * Within one layer, levels are drawn finest first with a smaller depth, so a coarse level
 * shows only where the finer one has no tile yet ("coarse first, then refine") and additive
 * blending of colour layers never counts one layer twice. Colour layers add up (ONE, ONE);
 * segmentation is alpha-blended over them. Uploads are bounded per frame in time, so a burst
 * of arriving chunks is spread over frames instead of stalling one.
 */
import type { Chunk } from "./chunksource";
import type { ElementClass, LayerInfo, Vec3 } from "./dataset";
import { PLANE_AXES, visibleRange, type PlaneId, type PlaneView } from "./geometry";
import { COLOR_FLOAT, COLOR_UINT, SEGMENTATION, VERTEX } from "./shaders";
import { chunkSlice, missingRects, slotOf, slotsFor } from "./tiles";
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

type ProgramKind = "colorUint" | "colorFloat" | "segmentation";

interface Program {
  program: WebGLProgram;
  uniforms: Map<string, WebGLUniformLocation | null>;
}

type TextureFormat = [internal: number, format: number, type: number, components: 1 | 2];

function formatOf(gl: WebGL2RenderingContext, elementClass: ElementClass): TextureFormat {
  switch (elementClass) {
    case "uint64":
      return [gl.RG32UI, gl.RG_INTEGER, gl.UNSIGNED_INT, 2];
    case "uint8":
      return [gl.R8UI, gl.RED_INTEGER, gl.UNSIGNED_BYTE, 1];
    case "uint16":
      return [gl.R16UI, gl.RED_INTEGER, gl.UNSIGNED_SHORT, 1];
    case "uint32":
      return [gl.R32UI, gl.RED_INTEGER, gl.UNSIGNED_INT, 1];
    default: // float32 and the types read as float32 (see `toTextureArray`)
      return [gl.R32F, gl.RED, gl.FLOAT, 1];
  }
}

/** The slices of one plane, layer and level on the GPU, and which tile each slot holds. */
interface Mosaic {
  texture: WebGLTexture;
  heldTexture: WebGLTexture;
  format: TextureFormat;
  slots: [number, number];
  tile: [number, number];
  /** Per slot (u fastest): the tile (tu, tv) it holds, or (-1, -1). */
  held: Int32Array;
  heldDirty: boolean;
  /** The slice (voxels of the level along w) the held tiles are from. */
  slice: number;
  lastFrame: number;
  bytes: number;
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
  #programs = new Map<ProgramKind, Program>();
  #mosaics = new Map<string, Mosaic>();
  #maxTexture: number;
  #uploadedThisFrame = 0;
  /** Tiles whose chunk is loaded but whose upload waits for a later frame (the last draw's). */
  deferred = 0;

  constructor(canvas: HTMLCanvasElement) {
    const gl = canvas.getContext("webgl2", { antialias: false, depth: true, preserveDrawingBuffer: false, premultipliedAlpha: true });
    if (!gl) throw new Error("This browser cannot draw with WebGL2.");
    this.gl = gl;
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    this.#maxTexture = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    this.#programs.set("colorUint", this.#compile(COLOR_UINT));
    this.#programs.set("colorFloat", this.#compile(COLOR_FLOAT));
    this.#programs.set("segmentation", this.#compile(SEGMENTATION));
  }

  #compile(fragment: string): Program {
    const gl = this.gl;
    const shader = (type: number, source: string) => {
      const s = gl.createShader(type)!;
      gl.shaderSource(s, source);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(s)}`);
      return s;
    };
    const program = gl.createProgram()!;
    gl.attachShader(program, shader(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, shader(gl.FRAGMENT_SHADER, fragment));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
    return { program, uniforms: new Map() };
  }

  #uniform(p: Program, name: string): WebGLUniformLocation | null {
    if (!p.uniforms.has(name)) p.uniforms.set(name, this.gl.getUniformLocation(p.program, name));
    return p.uniforms.get(name)!;
  }

  /**
   * Draw every program `draw` will use for these layers once, into one pixel, in each blend
   * and depth state it uses. SwiftShader (WebGL without a GPU) compiles a shader for each
   * program, texture format and fixed-function state at its first draw: measured on 256³,
   * the first frame with data spent 1.5 s in the GPU process, the next ones 0.5 s, against
   * 60 ms settled. Done when the dataset is known, the compiling overlaps loading chunks.
   */
  warmUp(layers: LayerInfo[]): void {
    const gl = this.gl;
    const textures: WebGLTexture[] = [];
    const texture = (format: TextureFormat | [number, number, number]) => {
      const t = gl.createTexture()!;
      gl.bindTexture(gl.TEXTURE_2D, t);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.texStorage2D(gl.TEXTURE_2D, 1, format[0], 1, 1);
      textures.push(t);
      return t;
    };
    const held = texture([gl.RG32I, gl.RG_INTEGER, gl.INT]);
    gl.viewport(0, 0, 1, 1);
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(0, 0, 1, 1);
    const done = new Set<string>();
    for (const layer of layers) {
      const format = formatOf(gl, layer.elementClass);
      const segmentation = layer.category === "segmentation";
      const kind: ProgramKind = segmentation ? "segmentation" : format[2] === gl.FLOAT ? "colorFloat" : "colorUint";
      if (done.has(`${kind}|${format[0]}`)) continue;
      done.add(`${kind}|${format[0]}`);
      const p = this.#programs.get(kind)!;
      gl.useProgram(p.program);
      gl.uniform4f(this.#uniform(p, "u_screen"), 0, 0, 1, 1);
      gl.uniform2f(this.#uniform(p, "u_viewport"), 1, 1);
      gl.uniform4f(this.#uniform(p, "u_voxel"), 0, 0, 1, 1);
      gl.uniform2i(this.#uniform(p, "u_tile"), 1, 1);
      gl.uniform2i(this.#uniform(p, "u_slots"), 1, 1);
      gl.uniform2i(this.#uniform(p, "u_shape"), 1, 1);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, texture(format));
      gl.uniform1i(this.#uniform(p, "u_data"), 0);
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, held);
      gl.uniform1i(this.#uniform(p, "u_held"), 1);
      gl.activeTexture(gl.TEXTURE0);
      gl.blendFunc(gl.ONE, segmentation ? gl.ONE_MINUS_SRC_ALPHA : gl.ONE);
      for (const blend of segmentation ? [true] : [false, true]) {
        for (const depth of [false, true]) {
          if (blend) gl.enable(gl.BLEND);
          else gl.disable(gl.BLEND);
          if (depth) gl.enable(gl.DEPTH_TEST);
          else gl.disable(gl.DEPTH_TEST);
          gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
        }
      }
    }
    gl.disable(gl.SCISSOR_TEST);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    for (const t of textures) gl.deleteTexture(t);
    gl.flush();
  }

  /** The mosaic of a plane, layer and level, (re)made when it has fewer slots than needed. */
  #mosaic(plane: PlaneId, layer: LayerInfo, level: DrawLevel): Mosaic {
    const key = `${plane}|${layer.name}|${level.level}`;
    const [u, v] = PLANE_AXES[plane];
    const tile: [number, number] = [level.chunkShape[u], level.chunkShape[v]];
    const grid: [number, number] = [Math.ceil(level.arrayShape[u] / tile[0]), Math.ceil(level.arrayShape[v] / tile[1])];
    let lo = [Infinity, Infinity];
    let hi = [-Infinity, -Infinity];
    for (const { coords } of level.chunks) {
      lo = [Math.min(lo[0], coords[u]), Math.min(lo[1], coords[v])];
      hi = [Math.max(hi[0], coords[u]), Math.max(hi[1], coords[v])];
    }
    const span: [number, number] = level.chunks.length ? [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1] : [1, 1];
    const gl = this.gl;
    // Past the GPU's largest texture, fewer slots: tiles then share a slot and the one not
    // held shows the coarser level (never wrong voxels: the shader checks `u_held`).
    const most = this.#maxTexture;
    const wanted = slotsFor(span, grid);
    const slots: [number, number] = [Math.max(1, Math.min(wanted[0], Math.floor(most / tile[0]))), Math.max(1, Math.min(wanted[1], Math.floor(most / tile[1])))];
    const found = this.#mosaics.get(key);
    if (found && found.slots[0] >= Math.min(span[0], slots[0]) && found.slots[1] >= Math.min(span[1], slots[1])) {
      found.lastFrame = this.stats.frames;
      return found;
    }
    if (found) this.#drop(key, found);
    const format = formatOf(gl, layer.elementClass);
    const texture = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texStorage2D(gl.TEXTURE_2D, 1, format[0], slots[0] * tile[0], slots[1] * tile[1]);
    const heldTexture = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, heldTexture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RG32I, slots[0], slots[1]);
    const bytesPerVoxel = { [gl.R8UI]: 1, [gl.R16UI]: 2 }[format[0]] ?? (format[3] === 2 ? 8 : 4);
    const mosaic: Mosaic = {
      texture, heldTexture, format, slots, tile, held: new Int32Array(slots[0] * slots[1] * 2).fill(-1), heldDirty: true,
      slice: -1, lastFrame: this.stats.frames, bytes: slots[0] * tile[0] * slots[1] * tile[1] * bytesPerVoxel,
    };
    this.#mosaics.set(key, mosaic);
    this.#count();
    return mosaic;
  }

  #drop(key: string, mosaic: Mosaic): void {
    this.gl.deleteTexture(mosaic.texture);
    this.gl.deleteTexture(mosaic.heldTexture);
    this.#mosaics.delete(key);
    this.#count();
  }

  #count(): void {
    this.stats.textures = this.#mosaics.size;
    this.stats.textureBytes = [...this.#mosaics.values()].reduce((sum, m) => sum + m.bytes, 0);
  }

  /**
   * Bring the tiles of `level` into its mosaic (while the frame's upload time lasts);
   * returns how many are still missing.
   */
  #fill(plane: PlaneId, view: PlaneView, mosaic: Mosaic, level: DrawLevel, chunkOf: (key: string) => Chunk | undefined, deadline: number): number {
    const gl = this.gl;
    const [u, v, w] = PLANE_AXES[plane];
    const slice = Math.floor(Math.floor(view.position[w]) / level.mag[w]);
    if (slice !== mosaic.slice) {
      mosaic.held.fill(-1); // tiles of another slice
      mosaic.heldDirty = true;
      mosaic.slice = slice;
    }
    let missing = 0;
    for (const { key, coords } of level.chunks) {
      const [su, sv] = slotOf(coords[u], coords[v], mosaic.slots);
      const at = (sv * mosaic.slots[0] + su) * 2;
      if (mosaic.held[at] === coords[u] && mosaic.held[at + 1] === coords[v]) continue;
      const chunk = chunkOf(key);
      if (!chunk || (this.#uploadedThisFrame > 0 && performance.now() > deadline)) {
        if (chunk) this.deferred++;
        missing++;
        continue;
      }
      const data = chunkSlice(chunk.data, chunk.shape, chunk.components, plane, slice - coords[w] * level.chunkShape[w]);
      gl.bindTexture(gl.TEXTURE_2D, mosaic.texture);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, su * mosaic.tile[0], sv * mosaic.tile[1], mosaic.tile[0], mosaic.tile[1], mosaic.format[1], mosaic.format[2], data);
      mosaic.held[at] = coords[u];
      mosaic.held[at + 1] = coords[v];
      mosaic.heldDirty = true;
      this.#uploadedThisFrame++;
      this.stats.uploads++;
      this.stats.uploadedBytes += data.byteLength;
    }
    if (mosaic.heldDirty) {
      gl.bindTexture(gl.TEXTURE_2D, mosaic.heldTexture);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, mosaic.slots[0], mosaic.slots[1], gl.RG_INTEGER, gl.INT, mosaic.held);
      mosaic.heldDirty = false;
    }
    return missing;
  }


  /** The coarser levels that have tiles here, finest first, up to the first complete one (their tiles brought in). */
  #fills(view: PlaneView, drawLayer: DrawLayer, coarser: DrawLevel[], chunkOf: (key: string) => Chunk | undefined, deadline: number): LayerDraw["fills"] {
    const fills: LayerDraw["fills"] = [];
    for (const level of coarser) {
      const mosaic = this.#mosaic(view.plane, drawLayer.layer, level);
      const gaps = this.#fill(view.plane, view, mosaic, level, chunkOf, deadline);
      if (gaps === level.chunks.length) continue; // nothing of it here yet
      fills.push({ level, mosaic, gaps });
      if (gaps === 0) break;
    }
    return fills;
  }

  /** Draw every plane; returns how many wanted chunks of the screen's levels are not drawn yet (0: complete). */
  draw(canvasHeight: number, planes: DrawPlane[], interpolation: Interpolation, chunkOf: (key: string) => Chunk | undefined): number {
    const gl = this.gl;
    const deadline = performance.now() + this.uploadMs;
    this.#uploadedThisFrame = 0;
    this.deferred = 0;
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
        const mosaic = this.#mosaic(view.plane, drawLayer.layer, target);
        const left = this.#fill(view.plane, view, mosaic, target, chunkOf, deadline);
        if (target.rank === 0) missing += left;
        const fills = left === 0 ? [] : this.#fills(view, drawLayer, coarser, chunkOf, deadline);
        this.#drawLayer({ plane, drawLayer, target, mosaic, left, fills, blend: !(first && drawLayer.state.kind === "color") }, interpolation);
        first = false;
      }
    }
    gl.disable(gl.SCISSOR_TEST);
    // Mosaics no plane used for a while (another zoom, another layout) give their memory back.
    for (const [key, mosaic] of this.#mosaics) if (mosaic.lastFrame < this.stats.frames - 120) this.#drop(key, mosaic);
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
    const p = this.#programs.get(kind)!;
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
    gl.uniform4f(this.#uniform(p, "u_screen"), toScreen(u, U0, view.width / 2), toScreen(v, V0, view.height / 2), toScreen(u, U1, view.width / 2), toScreen(v, V1, view.height / 2));
    gl.uniform2f(this.#uniform(p, "u_viewport"), view.width, view.height);
    gl.uniform4f(this.#uniform(p, "u_voxel"), U0 / mag[u], V0 / mag[v], U1 / mag[u], V1 / mag[v]);
    gl.uniform1f(this.#uniform(p, "u_depth"), Math.min(0.99, level.rank / 16));
    gl.uniform2i(this.#uniform(p, "u_tile"), mosaic.tile[0], mosaic.tile[1]);
    gl.uniform2i(this.#uniform(p, "u_slots"), mosaic.slots[0], mosaic.slots[1]);
    gl.uniform2i(this.#uniform(p, "u_shape"), s[u], s[v]);
    gl.uniform1i(this.#uniform(p, "u_linear"), interpolation === "linear" ? 1 : 0);
    gl.uniform1i(this.#uniform(p, "u_complete"), complete ? 1 : 0);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, mosaic.texture);
    gl.uniform1i(this.#uniform(p, "u_data"), 0);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, mosaic.heldTexture);
    gl.uniform1i(this.#uniform(p, "u_held"), 1);
    gl.activeTexture(gl.TEXTURE0);
    if (state.kind === "segmentation") {
      const alpha = state.opacity / 100;
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.uniform1f(this.#uniform(p, "u_alpha"), alpha);
      const id = BigInt(state.selected); // a decimal string: exact past 2^53
      gl.uniform2ui(this.#uniform(p, "u_selected"), Number(id & 0xffffffffn), Number((id >> 32n) & 0xffffffffn));
      gl.uniform1i(this.#uniform(p, "u_onlySelected"), state.onlySelected && id > 0n ? 1 : 0);
    } else {
      gl.blendFunc(gl.ONE, gl.ONE);
      const k = state.opacity / 100 / 255;
      gl.uniform3f(this.#uniform(p, "u_color"), state.color[0] * k, state.color[1] * k, state.color[2] * k);
      const range = state.range ?? [0, 255];
      gl.uniform2f(this.#uniform(p, "u_range"), range[0], range[1]);
      gl.uniform1i(this.#uniform(p, "u_invert"), state.inverted ? 1 : 0);
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
