/**
 * Undoing Blosc's shuffle filters on one block.
 *
 * Byte shuffle stores byte 0 of every element, then byte 1 of every element, and so on.
 * Bit shuffle goes one step further: for each byte b of the element and each bit k of that
 * byte, one row of n/8 bytes holds that bit of all n elements (element i at bit i % 8 of
 * byte i / 8), rows in the order b*8 + k. Both leave the bytes past the last whole element
 * (and, for bit shuffle, a block whose element count is not a multiple of 8) as they were.
 */

/** Byte shuffle undone: `src` and `dst` have the same length (one block). */
export function unshuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const n = Math.floor(src.length / typesize);
  const whole = n * typesize;
  // One small loop per case: V8 optimises each on its own (one function holding all three
  // was deoptimised on every call, measured 865 times in 120 chunks).
  if (typesize === 2 && dst.byteOffset % 2 === 0) unshuffle2(src, new Uint16Array(dst.buffer, dst.byteOffset, n), n);
  else if (typesize === 4 && dst.byteOffset % 4 === 0 && src.byteOffset % 4 === 0 && n % 4 === 0) {
    unshuffle4Words(new Uint32Array(src.buffer, src.byteOffset, n), new Uint32Array(dst.buffer, dst.byteOffset, n), n >>> 2);
  } else if (typesize === 4 && dst.byteOffset % 4 === 0) unshuffle4(src, new Uint32Array(dst.buffer, dst.byteOffset, n), n);
  else unshuffleBytes(src, dst, typesize, n);
  if (whole < src.length) dst.set(src.subarray(whole), whole);
}

function unshuffle2(src: Uint8Array, out: Uint16Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = src[i] | (src[n + i] << 8);
}

function unshuffle4(src: Uint8Array, out: Uint32Array, n: number): void {
  const n2 = 2 * n;
  const n3 = 3 * n;
  for (let i = 0; i < n; i++) out[i] = src[i] | (src[n + i] << 8) | (src[n2 + i] << 16) | (src[n3 + i] << 24);
}

/**
 * The same with whole words: word i of each of the 4 byte streams holds one byte of
 * elements 4i..4i+3, so 4 loads give 4 elements (a 4x4 byte transpose); measured 2x faster
 * than byte loads on the 1 MB uint32 chunks.
 */
function unshuffle4Words(src: Uint32Array, out: Uint32Array, quarter: number): void {
  for (let i = 0; i < quarter; i++) {
    const a = src[i];
    const b = src[quarter + i];
    const c = src[2 * quarter + i];
    const d = src[3 * quarter + i];
    const o = 4 * i;
    out[o] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | (d << 24);
    out[o + 1] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c & 0xff00) << 8) | ((d & 0xff00) << 16);
    out[o + 2] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((d & 0xff0000) << 8);
    out[o + 3] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | (d & 0xff000000);
  }
}

function unshuffleBytes(src: Uint8Array, dst: Uint8Array, typesize: number, n: number): void {
  for (let b = 0; b < typesize; b++) {
    const row = b * n;
    for (let i = 0; i < n; i++) dst[i * typesize + b] = src[row + i];
  }
}

/** Bit shuffle undone (c-blosc 1's rules for element counts that are not a multiple of 8). */
export function bitunshuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const n = Math.floor(src.length / typesize);
  if (n % 8 !== 0) {
    dst.set(src);
    return;
  }
  const whole = n * typesize;
  const row = n >>> 3;
  // Words of the output when the elements are single bytes and the block is aligned.
  const words = typesize === 1 && dst.byteOffset % 4 === 0 ? new Uint32Array(dst.buffer, dst.byteOffset, n >>> 2) : null;
  for (let b = 0; b < typesize; b++) {
    const base = b * 8 * row;
    for (let j = 0; j < row; j++) {
      // The 8 rows' bytes j form an 8x8 bit matrix (row k = bit k of byte b of elements
      // 8j..8j+7); transposed, its byte m is byte b of element 8j+m. lo/hi: rows 0-3, 4-7.
      const p = base + j;
      let lo = src[p] | (src[p + row] << 8) | (src[p + 2 * row] << 16) | (src[p + 3 * row] << 24);
      let hi = src[p + 4 * row] | (src[p + 5 * row] << 8) | (src[p + 6 * row] << 16) | (src[p + 7 * row] << 24);
      let t = (lo ^ (lo >>> 7)) & 0x00aa00aa;
      lo ^= t ^ (t << 7);
      t = (hi ^ (hi >>> 7)) & 0x00aa00aa;
      hi ^= t ^ (t << 7);
      t = (lo ^ (lo >>> 14)) & 0x0000cccc;
      lo ^= t ^ (t << 14);
      t = (hi ^ (hi >>> 14)) & 0x0000cccc;
      hi ^= t ^ (t << 14);
      t = (lo ^ (hi << 4)) & 0xf0f0f0f0;
      lo ^= t;
      hi ^= t >>> 4;
      if (words) {
        words[2 * j] = lo;
        words[2 * j + 1] = hi;
      } else {
        const e = 8 * j * typesize + b;
        for (let m = 0; m < 4; m++) {
          dst[e + m * typesize] = (lo >>> (8 * m)) & 255;
          dst[e + (m + 4) * typesize] = (hi >>> (8 * m)) & 255;
        }
      }
    }
  }
  if (whole < src.length) dst.set(src.subarray(whole), whole);
}
