import { describe, expect, it } from "vitest";
import { parseEditor, validateProperties, withLayer, withVoxelSize, type Properties } from "./properties";

const doc: Properties = {
  id: { name: "a", team: "lab" },
  scale: { factor: [11, 11, 24], unit: "nanometer" },
  dataLayers: [
    { name: "color", category: "color", elementClass: "uint8",
      boundingBox: { topLeft: [0, 0, 0], width: 10, height: 10, depth: 5 } },
    { name: "seg", category: "segmentation", elementClass: "uint32", largestSegmentId: 7,
      boundingBox: { topLeft: [0, 0, 0], width: 10, height: 10, depth: 5 } },
  ],
};

describe("validateProperties", () => {
  it("accepts a good document (and the legacy scale list)", () => {
    expect(validateProperties(doc)).toEqual([]);
    expect(validateProperties({ ...doc, scale: [1, 2, 3] })).toEqual([]);
  });
  it("names each problem", () => {
    const bad = {
      scale: { factor: [1, -2, 3] },
      dataLayers: [
        { ...doc.dataLayers[0], elementClass: "uint9" },
        { ...doc.dataLayers[0], boundingBox: { topLeft: [0, 0], width: 1.5, height: 1, depth: 1 } },
        { ...doc.dataLayers[1], category: "mesh", largestSegmentId: -1 },
      ],
    };
    expect(validateProperties(bad)).toEqual([
      "scale.factor must be three positive numbers (x, y, z).",
      'dataLayers[0].elementClass "uint9" is unknown.',
      "Layer name color is used twice.",
      "dataLayers[1].boundingBox needs topLeft [x, y, z] and whole width, height, depth.",
      'dataLayers[2].category must be "color" or "segmentation".',
      "dataLayers[2].largestSegmentId must be a whole number ≥ 0.",
    ]);
  });
  it("reports JSON syntax errors before anything else", () => {
    const parsed = parseEditor("{ not json");
    expect(parsed.doc).toBeNull();
    expect(parsed.problems[0]).toMatch(/^Not valid JSON/);
    expect(parseEditor(JSON.stringify(doc)).doc).toEqual(doc);
  });
});

describe("edits", () => {
  it("sets the voxel size and one layer's fields", () => {
    expect(withVoxelSize(doc, [4, 4, 40]).scale).toEqual({ factor: [4, 4, 40], unit: "nanometer" });
    const changed = withLayer(doc, "seg", { largestSegmentId: 9 });
    expect(changed.dataLayers[1].largestSegmentId).toBe(9);
    expect(changed.dataLayers[0]).toBe(doc.dataLayers[0]);
  });
});
