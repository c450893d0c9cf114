/**
 * The viewer's own decoders put in zarrita's codec registry in place of its "blosc" and
 * "zstd" (numcodecs' WebAssembly builds, the Blosc one 615 KB of JavaScript that every
 * decoding worker loaded and compiled before its first chunk). What they do not handle
 * (another Blosc compressor, a Blosc 2 frame, a Zstandard frame without its size) goes to
 * zarrita's original codec, loaded only then.
 */
import { registry } from "zarrita";
import { decodeBlosc, UnsupportedBlosc } from "./blosc";

// Imported when first needed: the page's own thread reads metadata only (its workers
// decode), so the 75 KB module stays out of the page's script.
const zstdModule = () => import("./zstd");

type Loader = typeof registry extends Map<string, infer L> ? L : never;
type Entry = Awaited<ReturnType<Loader>>;
type Meta = Parameters<Entry["fromConfig"]>[1];
type Codec = ReturnType<Entry["fromConfig"]>;

/** Decodes `bytes` (at most `limit` of them decoded) itself, or returns null to leave them to the original codec. */
type Decode = (bytes: Uint8Array, limit: number) => Promise<Uint8Array | null>;

const BYTES_PER_ELEMENT: Record<string, number> = {
  bool: 1, int8: 1, uint8: 1, int16: 2, uint16: 2, float16: 2, int32: 4, uint32: 4, float32: 4, int64: 8, uint64: 8, float64: 8,
};

/** The most bytes a chunk of this metadata decodes to (unbounded for types of no fixed size). */
function chunkBytes(meta: Meta): number {
  const size = BYTES_PER_ELEMENT[String(meta.dataType)];
  return size ? meta.shape.reduce((a, b) => a * b, size) : Infinity;
}

function entry(decode: Decode, original: Loader | undefined, name: string): Entry {
  return {
    kind: "bytes_to_bytes",
    fromConfig(config: unknown, meta: Meta): Codec {
      let loaded: Promise<Codec> | null = null;
      const limit = chunkBytes(meta);
      const other = (): Promise<Codec> => {
        if (!original) return Promise.reject(new Error(`no decoder for this ${name} chunk`));
        loaded ??= original().then((codec) => codec.fromConfig(config, meta));
        return loaded;
      };
      return {
        kind: "bytes_to_bytes",
        // The viewer only reads; encoding (tests write fixtures with it) stays zarrita's.
        encode: async (data: Uint8Array) => (await other()).encode(data),
        async decode(bytes: Uint8Array): Promise<Uint8Array> {
          return (await decode(bytes, limit)) ?? (await other()).decode(bytes);
        },
      };
    },
  };
}

const blosc: Decode = async (bytes, limit) => {
  const zstd = await (await zstdModule()).loadZstd();
  try {
    return decodeBlosc(bytes, zstd, limit);
  } catch (error) {
    if (error instanceof UnsupportedBlosc) return null;
    throw error;
  }
};

const zstd: Decode = async (bytes, limit) => {
  const { frameContentSize, loadZstd } = await zstdModule();
  const size = frameContentSize(bytes);
  if (size === null) return null;
  if (size > limit) throw new Error(`corrupt Zstandard frame: it states ${size} bytes, the chunk holds ${limit}`);
  const decoded = (await loadZstd())(bytes, size);
  if (decoded.length !== size) throw new Error(`corrupt Zstandard frame: ${decoded.length} bytes decoded, ${size} declared`);
  return decoded;
};

let registered = false;

/** Put the viewer's decoders in zarrita's registry (once; later calls do nothing). */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  for (const [names, decode] of [
    [["blosc", "numcodecs.blosc"], blosc],
    [["zstd", "numcodecs.zstd"], zstd],
  ] as const) {
    for (const name of names) {
      const made = entry(decode, registry.get(name), name);
      registry.set(name, () => Promise.resolve(made));
    }
  }
}
