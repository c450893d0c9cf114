/**
 * The WebGL programs the renderer draws with (see `shaders.ts`): one per kind of layer,
 * compiled when the renderer is made, their uniforms looked up once, and warmed up (every
 * texture format and fixed-function state drawn once) before the first frame with data.
 */
import type { LayerInfo } from "./dataset";
import { formatOf, type TextureFormat } from "./mosaics";
import { COLOR_FLOAT, COLOR_UINT, SEGMENTATION, VERTEX } from "./shaders";

export type ProgramKind = "colorUint" | "colorFloat" | "segmentation";

/** A linked program and the locations of its uniforms, each looked up at its first use. */
export class Program {
  #uniforms = new Map<string, WebGLUniformLocation | null>();

  constructor(
    readonly gl: WebGL2RenderingContext,
    readonly program: WebGLProgram,
  ) {}

  uniform(name: string): WebGLUniformLocation | null {
    if (!this.#uniforms.has(name)) this.#uniforms.set(name, this.gl.getUniformLocation(this.program, name));
    return this.#uniforms.get(name)!;
  }
}

function compile(gl: WebGL2RenderingContext, fragment: string): Program {
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
  return new Program(gl, program);
}

export class Programs {
  #programs = new Map<ProgramKind, Program>();

  constructor(readonly gl: WebGL2RenderingContext) {
    this.#programs.set("colorUint", compile(gl, COLOR_UINT));
    this.#programs.set("colorFloat", compile(gl, COLOR_FLOAT));
    this.#programs.set("segmentation", compile(gl, SEGMENTATION));
  }

  get(kind: ProgramKind): Program {
    return this.#programs.get(kind)!;
  }

  /**
   * Draw every program the renderer will use for these layers once, into one pixel, in each
   * blend and depth state it uses. SwiftShader (WebGL without a GPU) compiles a shader for each
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
      const p = this.get(kind);
      gl.useProgram(p.program);
      gl.uniform4f(p.uniform("u_screen"), 0, 0, 1, 1);
      gl.uniform2f(p.uniform("u_viewport"), 1, 1);
      gl.uniform4f(p.uniform("u_voxel"), 0, 0, 1, 1);
      gl.uniform2i(p.uniform("u_tile"), 1, 1);
      gl.uniform2i(p.uniform("u_slots"), 1, 1);
      gl.uniform2i(p.uniform("u_shape"), 1, 1);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, texture(format));
      gl.uniform1i(p.uniform("u_data"), 0);
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, held);
      gl.uniform1i(p.uniform("u_held"), 1);
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
}
