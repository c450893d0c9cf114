import { readFileSync, readdirSync } from "node:fs";
import { registry } from "zarrita";
import { describe, expect, it } from "vitest";
import { decodeBlosc } from "./blosc";
import { registerCodecs } from "./register";
import { loadZstd } from "./zstd";

// Chunks written by numcodecs / zarr-python (`fixtures/make_fixtures.py`): NAME.in decodes to NAME.out.
const FIXTURES = new URL("./fixtures/", import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const cases = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".in"))
  .map((name) => name.slice(0, -3));

registerCodecs();

/** The registered codec for a chunk of `size` bytes (uint8). */
async function codec(name: string, size = 4096) {
  const entry = await registry.get(name)!();
  const meta = { dataType: "uint8", shape: [size], codecs: [], fillValue: 0 } as unknown as Parameters<typeof entry.fromConfig>[1];
  return entry.fromConfig({ cname: "zstd", clevel: 3, shuffle: "shuffle", typesize: 1, blocksize: 0 }, meta);
}

/** Byte-exact comparison (a mismatch reports its first differing byte, not 4000 of them). */
function expectSame(got: Uint8Array, want: Uint8Array): void {
  expect(got.length).toBe(want.length);
  const first = got.findIndex((v, i) => v !== want[i]);
  expect(first).toBe(-1);
}

describe("the viewer's Blosc and Zstandard decoders", () => {
  it("has the fixtures", () => {
    // Bit shuffle (whole and odd leftover blocks), byte shuffle (typesizes 2, 4, 8, 16), no
    // shuffle, stored as is, LZ4 split streams and a raw stream, blosclz (the fallback),
    // a bare Zstandard frame and two chunks exactly as voxhub writes them.
    expect(cases.length).toBe(16);
  });

  for (const name of cases) {
    it(`decodes ${name} to the bytes numcodecs encoded`, async () => {
      const want = read(`${name}.out`);
      const decoder = await codec(name.startsWith("zstd-frame") ? "zstd" : "blosc", want.length);
      expectSame(await decoder.decode(read(`${name}.in`)), want);
    });
  }

  it("decodes the Blosc frames it handles without numcodecs", async () => {
    const zstd = await loadZstd();
    for (const name of cases.filter((n) => !n.startsWith("blosclz") && !n.startsWith("zstd-frame"))) {
      expectSame(decodeBlosc(read(`${name}.in`), zstd), read(`${name}.out`));
    }
    // blosclz is another compressor: left to zarrita's original codec (checked above).
    expect(() => decodeBlosc(read("blosclz-shuffle-u16.in"), zstd)).toThrow(/compressor 0/);
  });

  it("registers once: the fallback is still zarrita's original codec", async () => {
    registerCodecs();
    const decoder = await codec("blosc", 4000);
    expectSame(await decoder.decode(read("blosclz-shuffle-u16.in")), read("blosclz-shuffle-u16.out"));
  });

  it("still encodes through zarrita's codec (what the other tests write with)", async () => {
    const decoder = await codec("blosc", 4000);
    const raw = read("zstd-shuffle-u32.out");
    expectSame(await decoder.decode(await decoder.encode(raw)), raw);
  });

  describe("a truncated or corrupt chunk is an error, not garbage", () => {
    const damaged = (name: string, damage: (bytes: Uint8Array, view: DataView) => Uint8Array | void) => {
      const bytes = read(`${name}.in`);
      return damage(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)) ?? bytes;
    };
    const rejects = async (bytes: Uint8Array, message: RegExp, name = "blosc") => {
      await expect((await codec(name)).decode(bytes)).rejects.toThrow(message);
    };

    it("cut short", async () => {
      await rejects(damaged("voxhub-u8", (b) => b.subarray(0, b.length - 100)), /header says/);
      await rejects(damaged("voxhub-u8", (b) => b.subarray(0, 10)), /shorter than its header/);
      await rejects(damaged("zstd-frame-u16", (b) => b.subarray(0, b.length - 50)), /Zstandard/, "zstd");
    });

    it("a block start outside the frame", async () => {
      await rejects(damaged("zstd-shuffle-u16", (_, v) => v.setInt32(16 + 4, 1 << 20, true)), /starts outside/);
    });

    it("a stream longer than the frame", async () => {
      await rejects(damaged("zstd-bitshuffle-u8", (_, v) => v.setInt32(v.getInt32(16, true), 1 << 20, true)), /runs past/);
    });

    it("a Zstandard stream that decodes to the wrong size", async () => {
      // The first stream's size shortened by 10: its frame ends early.
      await rejects(damaged("zstd-bitshuffle-u8", (_, v) => {
        const at = v.getInt32(16, true);
        v.setInt32(at, v.getInt32(at, true) - 10, true);
      }), /decoded to/);
    });

    it("an LZ4 stream with a bad match or cut short", async () => {
      // Stream 1 of the first block: its bytes after the 4-byte size.
      const stream = (v: DataView) => v.getInt32(16, true) + 4;
      await rejects(damaged("lz4-shuffle-u32", (b, v) => void b.fill(0xff, stream(v) + 4, stream(v) + 24)), /corrupt LZ4/);
      await rejects(damaged("lz4-shuffle-u32", (_, v) => {
        const at = v.getInt32(16, true);
        v.setInt32(at, v.getInt32(at, true) - 3, true);
      }), /corrupt/);
    });

    it("a decoded size larger than the chunk, refused before allocating it", async () => {
      await rejects(damaged("voxhub-u8", (_, v) => v.setUint32(4, 0xfffffff0, true)), /the chunk holds 4096/);
      const decoder = await codec("zstd", 1000);
      await expect(decoder.decode(read("zstd-frame-u16.in"))).rejects.toThrow(/the chunk holds 1000/);
    });

    it("stored as is, but with the wrong size", async () => {
      await rejects(damaged("memcpyed-u16", (_, v) => v.setUint32(4, 3000, true)), /stored as is/);
    });
  });
});
