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
});
