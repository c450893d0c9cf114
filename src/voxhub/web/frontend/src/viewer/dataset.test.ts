import { describe, expect, it } from "vitest";
import { parseDataset, parseDatasetText } from "./dataset";

const layer = (largest: string) =>
  `{"name": "seg", "category": "segmentation", "elementClass": "uint64", "largestSegmentId": ${largest}, ` +
  `"boundingBox": {"topLeft": [0, 0, 0], "width": 8, "height": 8, "depth": 8}, "mags": [{"mag": [1, 1, 1]}]}`;

describe("parseDatasetText", () => {
  it("keeps a uint64 largest segment id exactly", () => {
    const text = `{"organization": "lab", "name": "em", "voxelSize": [1, 1, 1], "layers": [${layer("18446744073709551615")}]}`;
    const info = parseDataset(parseDatasetText(text));
    expect(info.layers[0].largestSegmentId).toBe("18446744073709551615");
  });

  it("leaves null ids and the same words inside strings alone", () => {
    const text =
      `{"organization": "lab", "name": "em", "description": "see \\"largestSegmentId\\": 12345678901234567890", ` +
      `"voxelSize": [1, 1, 1], "layers": [${layer("null")}]}`;
    const raw = parseDatasetText(text);
    expect(raw.description).toBe('see "largestSegmentId": 12345678901234567890');
    expect(parseDataset(raw).layers[0].largestSegmentId).toBeNull();
  });

  it("reads only whole digits as an id; other numbers are checked and refused clearly", () => {
    const dataset = (largest: string) =>
      `{"organization": "lab", "name": "em", "voxelSize": [1, 1, 1], "layers": [${layer(largest)}]}`;
    const largest = (value: string) => parseDataset(parseDatasetText(dataset(value))).layers[0].largestSegmentId;
    expect(largest("9007199254740993")).toBe("9007199254740993"); // 2^53 + 1
    expect(largest("0")).toBe("0");
    expect(largest("1e3")).toBe("1000"); // exactly 1000, not "1" followed by junk
    for (const bad of ["12.5", "-1", "1e400", "1e19", "18446744073709551616"]) {
      expect(() => largest(bad)).toThrow(/largestSegmentId .* is not a whole number from 0 to 2\^64 - 1/);
    }
  });
});
