import { describe, expect, it } from "vitest";
import { chunkSlice, slotOf, slotsFor } from "./tiles";

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
