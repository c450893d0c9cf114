/**
 * The LZ4 block format (no frame around it: what Blosc stores per stream), decoded into a
 * buffer of exactly the expected size. Every read and write is bounds-checked, so a
 * corrupt stream throws instead of returning garbage or running past its buffers.
 */

function corrupt(what: string): never {
  throw new Error(`corrupt LZ4 block: ${what}`);
}

/** Decode `src` into all of `dst` (its length is the decoded size the caller expects). */
export function decodeLz4Block(src: Uint8Array, dst: Uint8Array): void {
  const end = src.length;
  const size = dst.length;
  let s = 0;
  let d = 0;
  while (s < end) {
    // A sequence: token (literal count, match length - 4), literals, offset, match.
    const token = src[s++];
    let literals = token >>> 4;
    if (literals === 15) {
      let more = 255;
      while (more === 255) {
        if (s >= end) corrupt("literal length runs past the end");
        more = src[s++];
        literals += more;
      }
    }
    if (s + literals > end || d + literals > size) corrupt("literals run past the end");
    if (literals < 16) {
      for (let i = 0; i < literals; i++) dst[d + i] = src[s + i];
    } else {
      dst.set(src.subarray(s, s + literals), d);
    }
    s += literals;
    d += literals;
    if (s === end) break; // the last sequence has literals only
    if (s + 2 > end) corrupt("offset runs past the end");
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d) corrupt("match offset before the start");
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      let more = 255;
      while (more === 255) {
        if (s >= end) corrupt("match length runs past the end");
        more = src[s++];
        length += more;
      }
    }
    if (d + length > size) corrupt("match runs past the decoded size");
    const from = d - offset;
    if (offset >= length && length >= 16) {
      dst.copyWithin(d, from, from + length);
    } else {
      // Overlapping (a run repeating the last `offset` bytes) or short: byte by byte.
      for (let i = 0; i < length; i++) dst[d + i] = dst[from + i];
    }
    d += length;
  }
  if (d !== size) corrupt(`decoded ${d} bytes, expected ${size}`);
}
