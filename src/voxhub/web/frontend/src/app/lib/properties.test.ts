import { describe, expect, it } from "vitest";
import {
  isSegmentId,
  parseEditor,
  parsePropertiesText,
  propertiesText,
  validateProperties,
  withLayer,
  withVoxelSize,
  type Properties,
} from "./properties";

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
      "dataLayers[2].largestSegmentId must be a whole number from 0 to 2^64 - 1.",
    ]);
  });
  it("reports JSON syntax errors before anything else", () => {
    const parsed = parseEditor("{ not json");
    expect(parsed.doc).toBeNull();
    expect(parsed.problems[0]).toMatch(/^Not valid JSON/);
    const seg = { ...doc.dataLayers[1], largestSegmentId: "7" }; // read back as its digits
    expect(parseEditor(JSON.stringify(doc)).doc).toEqual({ ...doc, dataLayers: [doc.dataLayers[0], seg] });
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

describe("uint64 largestSegmentId", () => {
  const BIG = "18446744073709551614"; // 2^64 - 2: JSON.parse makes it 18446744073709551616
  const text = `{"scale": {"factor": [1, 1, 1]}, "description": "see \\"largestSegmentId\\": 5",
    "dataLayers": [{"name": "seg", "category": "segmentation", "elementClass": "uint64",
      "boundingBox": {"topLeft": [0, 0, 0], "width": 1, "height": 1, "depth": 1},
      "largestSegmentId": ${BIG}}]}`;

  it("reads the exact digits and writes them back as a JSON number", () => {
    const doc = parsePropertiesText(text) as Properties;
    expect(doc.dataLayers[0].largestSegmentId).toBe(BIG);
    expect(doc.description).toBe('see "largestSegmentId": 5');
    expect(propertiesText(doc)).toContain(`"largestSegmentId":${BIG}}`);
    expect(propertiesText(doc, 2)).toContain(`"largestSegmentId": ${BIG}\n`);
    expect(propertiesText(doc)).toContain('see \\"largestSegmentId\\": 5');
    expect(parsePropertiesText(propertiesText(doc, 2))).toEqual(doc);
  });
  it("keeps the digits through the Advanced editor and a form edit", () => {
    const parsed = parseEditor(text);
    expect(parsed.problems).toEqual([]);
    const edited = withLayer(parsed.doc as Properties, "seg", { largestSegmentId: "18446744073709551615" });
    expect(propertiesText(edited)).toContain('"largestSegmentId":18446744073709551615}');
  });
  it("accepts 0 to 2^64 - 1 only (an exponent only where a double holds the id exactly)", () => {
    expect(["0", "7", BIG, "18446744073709551615", 12].map(isSegmentId)).toEqual([true, true, true, true, true]);
    expect(["18446744073709551616", "-1", "1e3", "", " 5", 1.5, -1, 2 ** 64].map(isSegmentId))
      .toEqual([false, false, false, false, false, false, false, false]);
    expect(parseEditor(text.replace(BIG, "1e3")).problems).toEqual([]); // exactly 1000
    const exponent = parseEditor(text.replace(BIG, "1e19"));
    expect(exponent.problems).toEqual(["dataLayers[0].largestSegmentId must be a whole number from 0 to 2^64 - 1."]);
    expect(parseEditor(text.replace(BIG, "2.5")).problems).toHaveLength(1);
    expect(parseEditor(text.replace(BIG, "18446744073709551616")).problems).toHaveLength(1);
  });
});
