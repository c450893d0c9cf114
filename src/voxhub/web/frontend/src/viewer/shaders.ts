/**
 * GLSL for drawing one level of one layer in one plane as a single screen rectangle.
 *
 * The vertex shader needs no buffers: four corners from gl_VertexID, placed by uniforms
 * (screen rectangle, and the level's voxel coordinates (u, v) at its corners). The fragment
 * shader finds the voxel's texel in the plane's tile mosaic (a 2D texture of chunk slices,
 * addressed modulo its size, see `tiles.ts`) and checks in the `u_held` table that the tile
 * there is the one wanted; if not, the fragment is discarded and a coarser level drawn
 * behind shows through. Integer textures cannot be filtered, so "linear" is four fetches
 * mixed here — across chunk borders too, since neighbouring tiles sit side by side; a
 * neighbour not loaded yet falls back to the nearest voxel.
 */
export const VERTEX = `#version 300 es
uniform vec4 u_screen;   // x0, y0, x1, y1 in viewport pixels (y down)
uniform vec2 u_viewport; // viewport size in pixels
uniform vec4 u_voxel;    // u0, v0, u1, v1: the level's voxel coordinates at the corners
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
uniform highp isampler2D u_held; // slot -> tile (tu, tv) it holds now, or (-1, -1)
uniform ivec2 u_tile;    // chunk size along u, v (voxels of the level)
uniform ivec2 u_slots;   // tiles in the mosaic along u, v
uniform ivec2 u_shape;   // the level's size along u, v (voxels)
uniform bool u_linear;
uniform bool u_complete; // every tile the rectangle covers is held: no need to check
// Float arithmetic, not integer / and %: SwiftShader (WebGL without a GPU) runs those
// lane by lane, which made a frame several times slower.
bool held(ivec2 voxel) {
  if (u_complete) return true;
  vec2 tile = floor((vec2(voxel) + 0.5) / vec2(u_tile));
  vec2 slots = vec2(u_slots);
  vec2 slot = tile - slots * floor((tile + 0.5) / slots);
  return texelFetch(u_held, ivec2(slot), 0).rg == ivec2(tile);
}
ivec2 texel(ivec2 voxel) {
  vec2 size = vec2(u_slots * u_tile);
  vec2 v = vec2(voxel) + 0.5;
  return ivec2(v - size * floor(v / size));
}
ivec2 inside(ivec2 voxel) { return clamp(voxel, ivec2(0), u_shape - 1); }`;

function colorShader(sampler: "usampler2D" | "sampler2D"): string {
  return `#version 300 es
precision highp float;
precision highp int;
uniform highp ${sampler} u_data;
uniform vec2 u_range;
uniform vec3 u_color;   // already multiplied by the opacity
uniform bool u_invert;
${COMMON}
float value(ivec2 voxel) { return float(texelFetch(u_data, texel(voxel), 0).r); }
float tap(ivec2 voxel, ivec2 centre) {
  voxel = inside(voxel);
  return held(voxel) ? value(voxel) : value(centre);
}
void main() {
  ivec2 centre = inside(ivec2(floor(v_pos)));
  if (!held(centre)) discard;
  float raw;
  if (u_linear) {
    vec2 p = v_pos - 0.5;
    vec2 f = fract(p);
    ivec2 b = ivec2(floor(p));
    raw = mix(mix(tap(b, centre), tap(b + ivec2(1, 0), centre), f.x),
              mix(tap(b + ivec2(0, 1), centre), tap(b + ivec2(1, 1), centre), f.x), f.y);
  } else {
    raw = value(centre);
  }
  float span = max(u_range.y - u_range.x, 1e-20);
  float v = clamp((raw - u_range.x) / span, 0.0, 1.0);
  if (u_invert) v = 1.0 - v;
  outColor = vec4(u_color * v, 1.0);
}`;
}

export const COLOR_UINT = colorShader("usampler2D");
export const COLOR_FLOAT = colorShader("sampler2D");

/** A stable colour per segment id: the same hash as `segmentColor` in TypeScript. */
export const SEGMENTATION = `#version 300 es
precision highp float;
precision highp int;
uniform highp usampler2D u_data;
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
  ivec2 centre = inside(ivec2(floor(v_pos)));
  if (!held(centre)) discard;
  uvec2 id = texelFetch(u_data, texel(centre), 0).rg; // ids are never interpolated
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
