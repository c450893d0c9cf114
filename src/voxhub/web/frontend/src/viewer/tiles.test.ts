import { describe, expect, it } from "vitest";
import { chunkSlice, missingRects, slotOf, slotsFor } from "./tiles";

// A 4 × 3 × 2 chunk (x, y, z) whose voxel value says where it is: 100 z + 10 y + x.
const shape: [number, number, number] = [4, 3, 2];
const data = new Uint16Array(4 * 3 * 2).map((_, i) => {
  const x = i % 4;
  const y = Math.floor(i / 4) % 3;
  const z = Math.floor(i / 12);
  return 100 * z + 10 * y + x;
});

describe("chunkSlice", () => {
  it("cuts the slice of each plane, u fastest then v", () => {
    // XY at z 1: u = x, v = y.
    expect([...chunkSlice(data, shape, 1, "xy", 1)]).toEqual([100, 101, 102, 103, 110, 111, 112, 113, 120, 121, 122, 123]);
    // XZ at y 2: u = x, v = z.
    expect([...chunkSlice(data, shape, 1, "xz", 2)]).toEqual([20, 21, 22, 23, 120, 121, 122, 123]);
    // YZ at x 3: u = z, v = y.
    expect([...chunkSlice(data, shape, 1, "yz", 3)]).toEqual([3, 103, 13, 113, 23, 123]);
  });

  it("keeps both words of a uint64 voxel together", () => {
    const pairs = new Uint32Array(data.length * 2);
    data.forEach((value, i) => {
      pairs[2 * i] = value;
      pairs[2 * i + 1] = 7;
    });
    expect([...chunkSlice(pairs, shape, 2, "yz", 1)]).toEqual([1, 7, 101, 7, 11, 7, 111, 7, 21, 7, 121, 7]);
  });
});

describe("mosaic slots", () => {
  it("repeats tiles modulo the mosaic, negative coordinates too", () => {
    expect(slotOf(0, 0, [3, 2])).toEqual([0, 0]);
    expect(slotOf(7, 5, [3, 2])).toEqual([1, 1]);
    expect(slotOf(-1, -1, [3, 2])).toEqual([2, 1]);
  });

  it("holds the visible span plus one tile, never more than the grid", () => {
    expect(slotsFor([5, 3], [100, 100])).toEqual([6, 4]);
    expect(slotsFor([5, 3], [5, 2])).toEqual([5, 2]);
  });
});

describe("missingRects", () => {
  // XY plane, 64³ chunks at mag 2: a tile is 128 mag-1 voxels wide.
  const level = (coords: [number, number][]) => ({
    chunks: coords.map(([x, y]) => ({ coords: [x, y, 0] as [number, number, number] })),
    chunkShape: [64, 64, 64] as [number, number, number],
    mag: [2, 2, 1] as [number, number, number],
  });
  const grid: [number, number][] = [];
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) grid.push([x, y]);
  const holding = (tiles: [number, number][]) => {
    const held = new Int32Array(4 * 4 * 2).fill(-1);
    for (const [x, y] of tiles) held.set([x, y], (y * 4 + x) * 2);
    return held;
  };

  it("is one rectangle when nothing is held", () => {
    expect(missingRects("xy", level(grid), holding([]), [4, 4])).toEqual([[0, 512, 0, 512]]);
  });

  it("is four rectangles round a held centre, not one or two per row", () => {
    const rects = missingRects("xy", level(grid), holding([[1, 1], [2, 1], [1, 2], [2, 2]]), [4, 4]);
    expect(rects).toEqual([
      [0, 512, 0, 128], // the top row
      [0, 128, 128, 384], // left of the centre, two rows
      [384, 512, 128, 384], // right of it
      [0, 512, 384, 512], // the bottom row
    ]);
  });

  it("leaves out tiles whose slot holds them, and not those whose slot holds another tile", () => {
    const held = holding([[0, 0]]);
    // Tile (4, 0) would sit in slot (0, 0) of a 4 × 4 mosaic, which holds (0, 0).
    expect(missingRects("xy", level([[0, 0], [4, 0]]), held, [4, 4])).toEqual([[512, 640, 0, 128]]);
  });
});
