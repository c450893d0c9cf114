import { describe, expect, it } from "vitest";
import type { Level } from "./chunksource";
import type { Vec3 } from "./dataset";
import { formatLength, levelFor, niceLength, pixelSizeOf, screenToVoxel, visibleChunks, voxelToScreen, type PlaneView } from "./geometry";

const VOXEL: Vec3 = [11, 11, 24];
const MAGS: Vec3[] = [[1, 1, 1], [2, 2, 1], [4, 4, 2], [8, 8, 4]];
const levels: Level[] = MAGS.map((mag) => ({
  mag,
  shape: [Math.ceil(1024 / mag[0]), Math.ceil(1024 / mag[1]), Math.ceil(256 / mag[2])],
  chunk: [64, 64, 64],
}));

function view(plane: PlaneView["plane"], position: Vec3, zoom: number, width = 256, height = 128): PlaneView {
  return { plane, width, height, position, pixelSize: zoom * 11, voxelSize: VOXEL };
}

describe("geometry", () => {
  it("maps screen pixels to voxels and back at the physical aspect", () => {
    const v = view("xz", [100, 50, 30], 1);
    expect(screenToVoxel(v, 128, 64)).toEqual([100, 50, 30]);
    // one z voxel is 24 nm: 24 screen pixels at 1 nm... here 11 nm per pixel
    const p = screenToVoxel(v, 128 + 11, 64 + 24);
    expect(p[0]).toBeCloseTo(111);
    expect(p[2]).toBeCloseTo(41);
    expect(voxelToScreen(v, p)).toEqual([139, 88]);
  });

  it("picks the coarsest level whose voxels are not larger than a screen pixel", () => {
    expect(levelFor("xy", 11, VOXEL, MAGS)).toBe(0);
    expect(levelFor("xy", 22, VOXEL, MAGS)).toBe(1);
    expect(levelFor("xy", 50, VOXEL, MAGS)).toBe(2);
    expect(levelFor("xy", 1000, VOXEL, MAGS)).toBe(3);
    expect(levelFor("xy", 5, VOXEL, MAGS)).toBe(0);
    // xz at 22 nm/px: mag 2-2-1 has 22 nm in x (24 nm in z)
    expect(levelFor("xz", 22, VOXEL, MAGS)).toBe(1);
  });

  it("lists exactly the chunks the viewport covers, centre first", () => {
    // 256 x 128 pixels at zoom 1 around (100, 100, 70): x 100±128 → 0..227, y 36..163
    const chunks = visibleChunks(view("xy", [100, 100, 70], 1), levels[0], 0);
    const coords = chunks.map((c) => c.coords.join(","));
    expect(new Set(coords)).toEqual(new Set(["0,0,1", "1,0,1", "2,0,1", "3,0,1", "0,1,1", "1,1,1", "2,1,1", "3,1,1", "0,2,1", "1,2,1", "2,2,1", "3,2,1"]));
    expect(coords[0]).toBe("1,1,1");
    // at mag 4-4-2 the z slice is 70/2 = 35: chunk 0
    const coarse = visibleChunks(view("xy", [100, 100, 70], 4), levels[2], 2);
    expect(coarse.every((c) => c.coords[2] === 0 && c.level === 2)).toBe(true);
  });

  it("lists no chunk outside the data", () => {
    expect(visibleChunks(view("xy", [100, 100, 300], 1), levels[0], 0)).toEqual([]);
    expect(visibleChunks(view("xy", [-5000, 100, 10], 1), levels[0], 0)).toEqual([]);
  });

  it("sizes screen pixels by x and y only (z of an MSI cube is m/z)", () => {
    expect(pixelSizeOf(2, [11, 11, 24])).toBe(22);
    expect(pixelSizeOf(1, [5000, 5000, 1])).toBe(5000);
  });

  it("formats scale bar lengths", () => {
    expect(niceLength(730)).toBe(500);
    expect(niceLength(2.3)).toBe(2);
    expect(formatLength(500, "nanometer")).toBe("500 nm");
    expect(formatLength(2000, "nanometer")).toBe("2 µm");
    expect(formatLength(5, "micrometer")).toBe("5 µm");
  });
});
