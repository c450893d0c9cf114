/**
 * GLSL for drawing one chunk's slice as a screen rectangle.
 *
 * The vertex shader needs no buffers: four corners from gl_VertexID, placed by uniforms
 * (screen rectangle, and the chunk-local voxel coordinates at its corners). The fragment
 * shader turns the interpolated (u, v) and the slice w into a texel of the chunk's 3D
 * texture (`u_perm` says which of u, v, w is the texture's x, y and z) and reads it with
 * texelFetch — integer textures cannot be filtered, so "linear" is four fetches mixed here.
 */
export const VERTEX = `#version 300 es
uniform vec4 u_screen;   // x0, y0, x1, y1 in viewport pixels (y down)
uniform vec2 u_viewport; // viewport size in pixels
uniform vec4 u_voxel;    // u0, v0, u1, v1: chunk-local voxel coordinates at the corners
uniform float u_depth;
out vec2 v_pos;
void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
  vec2 pixel = mix(u_screen.xy, u_screen.zw, corner);
  v_pos = mix(u_voxel.xy, u_voxel.zw, corner);
  gl_Position = vec4(pixel.x / u_viewport.x * 2.0 - 1.0, 1.0 - pixel.y / u_viewport.y * 2.0, u_depth, 1.0);
}`;

const COMMON = `
in vec2 v_pos;
out vec4 outColor;
uniform mat3 u_perm;     // (u, v, w) -> texture (x, y, z): a permutation (no dynamic indexing)
uniform ivec3 u_size;    // texture size
uniform float u_w;       // slice within the chunk (voxels of the chunk's mag)
uniform bool u_linear;
ivec3 texel(vec2 uv) {
  ivec3 t = ivec3(floor(u_perm * vec3(uv, u_w)));
  return clamp(t, ivec3(0), u_size - 1);
}`;

function colorShader(sampler: "usampler3D" | "sampler3D"): string {
  return `#version 300 es
precision highp float;
precision highp int;
uniform highp ${sampler} u_data;
uniform vec2 u_range;
uniform vec3 u_color;   // already multiplied by the opacity
uniform bool u_invert;
${COMMON}
float value(vec2 uv) { return float(texelFetch(u_data, texel(uv), 0).r); }
void main() {
  float raw;
  if (u_linear) {
    vec2 p = v_pos - 0.5;
    vec2 f = fract(p);
    vec2 b = floor(p) + 0.5;
    raw = mix(mix(value(b), value(b + vec2(1.0, 0.0)), f.x),
              mix(value(b + vec2(0.0, 1.0)), value(b + vec2(1.0, 1.0)), f.x), f.y);
  } else {
    raw = value(v_pos);
  }
  float span = max(u_range.y - u_range.x, 1e-20);
  float v = clamp((raw - u_range.x) / span, 0.0, 1.0);
  if (u_invert) v = 1.0 - v;
  outColor = vec4(u_color * v, 1.0);
}`;
}

export const COLOR_UINT = colorShader("usampler3D");
export const COLOR_FLOAT = colorShader("sampler3D");

/** A stable colour per segment id: the same hash as `segmentColor` in TypeScript. */
export const SEGMENTATION = `#version 300 es
precision highp float;
precision highp int;
uniform highp usampler3D u_data;
uniform float u_alpha;
uniform uvec2 u_selected;   // low, high words
uniform bool u_onlySelected;
${COMMON}
uint mixHash(uint low, uint high) {
  uint h = low * 0x9E3779B1u ^ (high * 0x85EBCA77u + 0x165667B1u);
  h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
  return h;
}
vec3 hsv(float h, float s, float v) {
  vec3 k = clamp(abs(mod(h * 6.0 + vec3(0.0, 4.0, 2.0), 6.0) - 3.0) - 1.0, 0.0, 1.0);
  return v * mix(vec3(1.0), k, s);
}
void main() {
  uvec2 id = texelFetch(u_data, texel(v_pos), 0).rg;
  bool selected = id == u_selected;
  // Transparent rather than discarded: the fragment still hides coarser levels behind it.
  if (id == uvec2(0u) || (u_onlySelected && !selected)) { outColor = vec4(0.0); return; }
  uint h = mixHash(id.x, id.y);
  vec3 rgb = hsv(float(h & 0xFFFFu) / 65536.0, 0.55 + 0.45 * float((h >> 16) & 0xFFu) / 255.0, 1.0);
  float alpha = selected && !u_onlySelected ? min(1.0, u_alpha * 1.8) : u_alpha;
  outColor = vec4(rgb * alpha, alpha);
}`;

function imul(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

/** The colour (RGB 0-255) the segmentation shader gives a segment id. */
export function segmentColor(id: bigint | number): [number, number, number] {
  const big = BigInt(id);
  const low = Number(big & 0xffffffffn);
  const high = Number((big >> 32n) & 0xffffffffn);
  let h = (imul(low, 0x9e3779b1) ^ ((imul(high, 0x85ebca77) + 0x165667b1) >>> 0)) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = imul(h, 0x2c1b3c6d);
  h = (h ^ (h >>> 12)) >>> 0;
  h = imul(h, 0x297a2d39);
  h = (h ^ (h >>> 15)) >>> 0;
  const hue = (h & 0xffff) / 65536;
  const s = 0.55 + (0.45 * ((h >>> 16) & 0xff)) / 255;
  const k = [0, 4, 2].map((n) => Math.min(1, Math.max(0, Math.abs(((hue * 6 + n) % 6) - 3) - 1)));
  return k.map((c) => Math.round(255 * (1 + (c - 1) * s))) as [number, number, number];
}
