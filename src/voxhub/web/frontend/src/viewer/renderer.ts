/**
 * WebGL2 drawing of planes: one 3D texture per loaded chunk (the GPU side of the chunk
 * cache), one rectangle per visible chunk and layer, coarse levels behind fine ones.
 *
 * Within one layer, levels are drawn finest first with a smaller depth, so a coarse chunk
 * shows only where the finer one has not arrived yet ("coarse first, then refine") and
 * additive blending of colour layers never counts one layer twice. Colour layers add up
 * (ONE, ONE); segmentation is alpha-blended over them.
 */
import type { Chunk } from "./chunksource";
import type { LayerInfo, Vec3 } from "./dataset";
import { PLANE_AXES, type PlaneView } from "./geometry";
import { COLOR_FLOAT, COLOR_UINT, SEGMENTATION, VERTEX } from "./shaders";
import type { Interpolation, LayerState } from "./urlstate";

/** One chunk to draw: its key in the cache, its level's mag and chunk shape and its coordinates. */
export interface DrawChunk {
  key: string;
  mag: Vec3;
  chunkShape: Vec3;
  arrayShape: Vec3;
  coords: Vec3;
  /** 0 = the level that fits the screen; larger = coarser fallback. */
  rank: number;
  /** The layer's data box [min, max) in mag-1 voxels: coarse levels are padded past it. */
  bounds: { min: Vec3; max: Vec3 };
}

export interface DrawLayer {
  layer: LayerInfo;
  state: LayerState;
  chunks: DrawChunk[];
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

function formatOf(gl: WebGL2RenderingContext, chunk: Chunk): [number, number, number] {
  const d = chunk.data;
  if (chunk.components === 2) return [gl.RG32UI, gl.RG_INTEGER, gl.UNSIGNED_INT];
  if (d instanceof Uint8Array) return [gl.R8UI, gl.RED_INTEGER, gl.UNSIGNED_BYTE];
  if (d instanceof Uint16Array) return [gl.R16UI, gl.RED_INTEGER, gl.UNSIGNED_SHORT];
  if (d instanceof Uint32Array) return [gl.R32UI, gl.RED_INTEGER, gl.UNSIGNED_INT];
  return [gl.R32F, gl.RED, gl.FLOAT];
}

export class Renderer {
  readonly gl: WebGL2RenderingContext;
  /** Bytes uploaded to the GPU per frame at most: a burst of arrivals is spread over frames. */
  uploadBudget = 8 * 2 ** 20;
  stats = { frames: 0, uploads: 0, uploadedBytes: 0, drawCalls: 0, textures: 0 };
  #programs = new Map<ProgramKind, Program>();
  #textures = new Map<string, { texture: WebGLTexture; float: boolean }>();

  constructor(canvas: HTMLCanvasElement) {
    const gl = canvas.getContext("webgl2", { antialias: false, depth: true, preserveDrawingBuffer: false, premultipliedAlpha: true });
    if (!gl) throw new Error("This browser cannot draw with WebGL2.");
    this.gl = gl;
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
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

  /** Free the texture of a chunk that left the cache. */
  release(key: string): void {
    const found = this.#textures.get(key);
    if (found) {
      this.gl.deleteTexture(found.texture);
      this.#textures.delete(key);
      this.stats.textures = this.#textures.size;
    }
  }

  hasTexture(key: string): boolean {
    return this.#textures.has(key);
  }

  /** Upload a chunk if the frame's budget allows; false when it must wait for a later frame. */
  upload(key: string, chunk: Chunk, budget: { bytes: number }): boolean {
    if (this.#textures.has(key)) return true;
    if (budget.bytes <= 0) return false;
    const gl = this.gl;
    const [internal, format, type] = formatOf(gl, chunk);
    const texture = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_3D, texture);
    gl.texParameteri(gl.TEXTURE_3D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_3D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    const [sx, sy, sz] = chunk.shape;
    gl.texImage3D(gl.TEXTURE_3D, 0, internal, sx, sy, sz, 0, format, type, chunk.data);
    this.#textures.set(key, { texture, float: type === gl.FLOAT });
    budget.bytes -= chunk.byteLength;
    this.stats.uploads++;
    this.stats.uploadedBytes += chunk.byteLength;
    this.stats.textures = this.#textures.size;
    return true;
  }

  /** Draw every plane; returns how many wanted chunks had no texture yet (0: the frame is complete). */
  draw(canvasHeight: number, planes: DrawPlane[], interpolation: Interpolation, chunkOf: (key: string) => Chunk | undefined): number {
    const gl = this.gl;
    const budget = { bytes: this.uploadBudget };
    let missing = 0;
    this.stats.frames++;
    gl.disable(gl.SCISSOR_TEST);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.enable(gl.SCISSOR_TEST);
    gl.enable(gl.DEPTH_TEST);
    gl.enable(gl.BLEND);
    for (const plane of planes) {
      const { x, y, width, height } = plane.rect;
      const glY = canvasHeight - y - height;
      gl.viewport(x, glY, width, height);
      gl.scissor(x, glY, width, height);
      const ordered = [...plane.layers.filter((l) => l.state.kind === "color"), ...plane.layers.filter((l) => l.state.kind === "segmentation")];
      for (const drawLayer of ordered) {
        if (!drawLayer.state.visible) continue;
        gl.clear(gl.DEPTH_BUFFER_BIT);
        const chunks = [...drawLayer.chunks].sort((a, b) => a.rank - b.rank);
        // Once the screen's level is all there, coarser levels would only cost fill rate.
        const ready = chunks.every((c) => c.rank > 0 || (this.#textures.has(c.key) || (chunkOf(c.key) !== undefined && this.upload(c.key, chunkOf(c.key)!, budget))));
        for (const chunk of chunks) {
          if (ready && chunk.rank > 0) break;
          const data = chunkOf(chunk.key);
          if (!data || !this.upload(chunk.key, data, budget)) {
            if (chunk.rank === 0) missing++;
            continue;
          }
          this.#drawChunk(plane.view, drawLayer, chunk, interpolation);
        }
      }
    }
    gl.disable(gl.SCISSOR_TEST);
    return missing;
  }

  #drawChunk(view: PlaneView, drawLayer: DrawLayer, chunk: DrawChunk, interpolation: Interpolation): void {
    const gl = this.gl;
    const texture = this.#textures.get(chunk.key)!;
    const state = drawLayer.state;
    const kind: ProgramKind = state.kind === "segmentation" ? "segmentation" : texture.float ? "colorFloat" : "colorUint";
    const p = this.#programs.get(kind)!;
    gl.useProgram(p.program);
    const [u, v, w] = PLANE_AXES[view.plane];
    const { mag, chunkShape: c, arrayShape: s, coords } = chunk;
    // Chunk box in mag-1 voxels, clipped to the data (edge chunks and coarse levels are padded).
    const lo = [0, 1, 2].map((i) => coords[i] * c[i]);
    const clip = (axis: number): [number, number] => [
      Math.max(lo[axis] * mag[axis], chunk.bounds.min[axis]),
      Math.min(Math.min((coords[axis] + 1) * c[axis], s[axis]) * mag[axis], chunk.bounds.max[axis]),
    ];
    const [U0, U1] = clip(u);
    const [V0, V1] = clip(v);
    if (U1 <= U0 || V1 <= V0) return;
    const toScreen = (axis: number, voxel: number, half: number) =>
      half + ((voxel - view.position[axis]) * view.voxelSize[axis]) / view.pixelSize;
    const x0 = toScreen(u, U0, view.width / 2);
    const x1 = toScreen(u, U1, view.width / 2);
    const y0 = toScreen(v, V0, view.height / 2);
    const y1 = toScreen(v, V1, view.height / 2);
    const slice = Math.floor(Math.floor(view.position[w]) / mag[w]) - lo[w];
    gl.uniform4f(this.#uniform(p, "u_screen"), x0, y0, x1, y1);
    gl.uniform2f(this.#uniform(p, "u_viewport"), view.width, view.height);
    gl.uniform4f(this.#uniform(p, "u_voxel"), U0 / mag[u] - lo[u], V0 / mag[v] - lo[v], U1 / mag[u] - lo[u], V1 / mag[v] - lo[v]);
    gl.uniform1f(this.#uniform(p, "u_depth"), Math.min(0.99, chunk.rank / 16));
    // texture axis x, y, z <- which of (u, v, w)
    // Column-major permutation matrix: texture axis `axis` takes component [u, v, w].indexOf(axis).
    const perm = new Float32Array(9);
    for (let axis = 0; axis < 3; axis++) perm[[u, v, w].indexOf(axis) * 3 + axis] = 1;
    gl.uniformMatrix3fv(this.#uniform(p, "u_perm"), false, perm);
    gl.uniform3i(this.#uniform(p, "u_size"), c[0], c[1], c[2]);
    gl.uniform1f(this.#uniform(p, "u_w"), slice + 0.5);
    gl.uniform1i(this.#uniform(p, "u_linear"), interpolation === "linear" ? 1 : 0);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_3D, texture.texture);
    gl.uniform1i(this.#uniform(p, "u_data"), 0);
    if (state.kind === "segmentation") {
      const alpha = state.opacity / 100;
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.uniform1f(this.#uniform(p, "u_alpha"), alpha);
      const id = BigInt(Math.max(0, Math.floor(state.selected)));
      gl.uniform2ui(this.#uniform(p, "u_selected"), Number(id & 0xffffffffn), Number(id >> 32n));
      gl.uniform1i(this.#uniform(p, "u_onlySelected"), state.onlySelected && state.selected > 0 ? 1 : 0);
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
