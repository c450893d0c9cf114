/**
 * The Blosc 1 frame (what numcodecs and zarr-python write for the "blosc" codec), decoded
 * in plain TypeScript: header, block starts, each block's streams (one per byte of the
 * element when the block was split), then the shuffle undone.
 *
 * Layout (c-blosc's README_HEADER): 16 header bytes (version, compressor version, flags,
 * typesize, then little-endian uint32 nbytes, blocksize, ctbytes), an int32 start offset per
 * block, and at each start one (int32 size, bytes) pair per stream. A stream whose size
 * equals its decoded size is stored as is. Only the zstd and lz4 compressors are decoded
 * here; anything else raises `UnsupportedBlosc` for the caller to hand elsewhere.
 */
import { decodeLz4Block } from "./lz4";
import { bitunshuffle, unshuffle } from "./shuffle";

const HEADER = 16;
const SHUFFLE = 0x1;
const MEMCPYED = 0x2;
const BITSHUFFLE = 0x4;
const DONT_SPLIT = 0x10;
const LZ4 = 1;
const ZSTD = 4;
// c-blosc splits a block into typesize streams only up to this typesize and from this many
// elements per block on (kept for frames written before the DONT_SPLIT flag existed).
const MAX_SPLITS = 16;
const MIN_SPLIT_ELEMENTS = 128;

/** A valid frame this decoder does not handle (another compressor, a newer format). */
export class UnsupportedBlosc extends Error {}

/** Decodes one Zstandard frame of known decoded size (checked by the caller). */
export type ZstdFrameDecoder = (src: Uint8Array, size: number) => Uint8Array;

function corrupt(what: string): never {
  throw new Error(`corrupt Blosc frame: ${what}`);
}

export interface BloscHeader {
  version: number;
  flags: number;
  typesize: number;
  nbytes: number;
  blocksize: number;
  ctbytes: number;
  compressor: number;
}

export function readHeader(frame: Uint8Array): BloscHeader {
  if (frame.length < HEADER) corrupt(`${frame.length} bytes, shorter than its header`);
  const view = new DataView(frame.buffer, frame.byteOffset, HEADER);
  const flags = frame[2];
  return {
    version: frame[0],
    flags,
    typesize: frame[3],
    nbytes: view.getUint32(4, true),
    blocksize: view.getUint32(8, true),
    ctbytes: view.getUint32(12, true),
    compressor: flags >>> 5,
  };
}

/**
 * Decode a whole Blosc 1 frame. `limit`: the most bytes it may decode to (the chunk's
 * size), checked before allocating: a forged header must not make the page allocate 4 GB.
 */
export function decodeBlosc(frame: Uint8Array, zstd: ZstdFrameDecoder, limit = Infinity): Uint8Array {
  const h = readHeader(frame);
  // Blosc 1 writes format version 2 (1 before c-blosc 1.3); Blosc 2 chunks start at 3.
  if (h.version < 1 || h.version > 2) throw new UnsupportedBlosc(`Blosc format version ${h.version}`);
  if (frame.length < h.ctbytes) corrupt(`${frame.length} bytes, its header says ${h.ctbytes}`);
  if (h.nbytes > limit) corrupt(`it states ${h.nbytes} bytes, the chunk holds ${limit}`);
  if (h.typesize === 0) corrupt("typesize 0");
  const out = new Uint8Array(h.nbytes);
  if (h.flags & MEMCPYED) {
    if (h.ctbytes !== HEADER + h.nbytes) corrupt(`stored as is, but ${h.ctbytes} bytes for ${h.nbytes}`);
    out.set(frame.subarray(HEADER, HEADER + h.nbytes));
    return out;
  }
  if (h.compressor !== ZSTD && h.compressor !== LZ4) throw new UnsupportedBlosc(`Blosc compressor ${h.compressor}`);
  if (h.nbytes === 0) return out;
  if (h.blocksize === 0) corrupt("block size 0");
  const nblocks = Math.ceil(h.nbytes / h.blocksize);
  const starts = HEADER + 4 * nblocks;
  if (starts > h.ctbytes) corrupt(`${nblocks} block starts do not fit in ${h.ctbytes} bytes`);
  const view = new DataView(frame.buffer, frame.byteOffset, h.ctbytes);
  const scratch = new Uint8Array(h.blocksize);
  for (let j = 0; j < nblocks; j++) {
    const offset = j * h.blocksize;
    const bsize = Math.min(h.blocksize, h.nbytes - offset);
    const leftover = bsize < h.blocksize;
    // c-blosc 1's rules: byte shuffle needs elements wider than a byte, bit shuffle a
    // block of at least one element; byte shuffle wins when both flags are set.
    const byteShuffle = (h.flags & SHUFFLE) !== 0 && h.typesize > 1;
    const bitShuffle = !byteShuffle && (h.flags & BITSHUFFLE) !== 0 && bsize >= h.typesize;
    const split = !(h.flags & DONT_SPLIT) && h.typesize <= MAX_SPLITS && bsize / h.typesize >= MIN_SPLIT_ELEMENTS && !leftover;
    const nsplits = split ? h.typesize : 1;
    if (bsize % nsplits !== 0) throw new UnsupportedBlosc(`a block of ${bsize} bytes in ${nsplits} streams`);
    const neblock = bsize / nsplits;
    const shuffled = byteShuffle || bitShuffle;
    const block = out.subarray(offset, offset + bsize);
    // The streams land in `scratch` when a shuffle is to be undone, else in place.
    const target = shuffled ? scratch.subarray(0, bsize) : block;
    let at = view.getInt32(HEADER + 4 * j, true);
    let whole: Uint8Array | null = null;
    for (let s = 0; s < nsplits; s++) {
      if (at < starts || at + 4 > h.ctbytes) corrupt(`block ${j} stream ${s} starts outside the frame`);
      const cbytes = view.getInt32(at, true);
      at += 4;
      if (cbytes < 0 || at + cbytes > h.ctbytes) corrupt(`block ${j} stream ${s} runs past the frame`);
      const src = frame.subarray(at, at + cbytes);
      const dst = target.subarray(s * neblock, (s + 1) * neblock);
      if (cbytes === neblock) {
        dst.set(src);
      } else if (h.compressor === LZ4) {
        decodeLz4Block(src, dst);
      } else {
        const decoded = zstd(src, neblock);
        if (decoded.length !== neblock) corrupt(`block ${j} stream ${s} decoded to ${decoded.length} bytes, not ${neblock}`);
        // A whole block in one stream is unshuffled straight from the decoder's output.
        if (nsplits === 1 && shuffled && decoded.byteOffset % 4 === 0) whole = decoded;
        else dst.set(decoded);
      }
      at += cbytes;
    }
    const source = whole ?? target;
    if (byteShuffle) unshuffle(source, block, h.typesize);
    else if (bitShuffle) bitunshuffle(source, block, h.typesize);
  }
  return out;
}
