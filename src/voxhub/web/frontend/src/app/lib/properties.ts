/**
 * `datasource-properties.json` in the settings page: the Simple form's edits, and the
 * checks the Advanced JSON editor runs before anything is sent (the server checks again,
 * against the data, and refuses what does not fit).
 *
 * A layer's `largestSegmentId` is a uint64: above 2^53 a JavaScript number cannot hold it
 * (JSON.parse would round 18446744073709551614 to 18446744073709551616). The document keeps
 * it as its decimal digits, a string: read with {@link parsePropertiesText}, written as a
 * JSON number with the same digits by {@link propertiesText} (both from `exactjson`).
 */
import { exactJsonText, parseExactJson, uint64Digits } from "./exactjson";

export interface BoundingBox {
  topLeft: [number, number, number];
  width: number;
  height: number;
  depth: number;
}

export interface PropertiesLayer {
  name: string;
  category: "color" | "segmentation";
  boundingBox: BoundingBox;
  elementClass: string;
  /** Decimal digits (a number only when a caller built the document by hand). */
  largestSegmentId?: string | number | null;
  [key: string]: unknown;
}

export interface Properties {
  scale: { factor: [number, number, number]; unit?: string };
  dataLayers: PropertiesLayer[];
  [key: string]: unknown;
}

const ELEMENT_CLASSES = new Set([
  "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
  "float", "double", "float32", "float64", "uint24",
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
/** Whether `v` is a uint64 segment id: decimal digits up to 2^64 - 1, or a safe whole number. */
export function isSegmentId(v: unknown): boolean {
  return uint64Digits(v) !== null;
}

/** Parse properties JSON with each largestSegmentId kept as its exact digits (a string). */
export function parsePropertiesText(text: string): unknown {
  return parseExactJson(text);
}

/** The document as JSON text, each largestSegmentId written as a number of its exact digits. */
export function propertiesText(doc: unknown, indent?: number): string {
  return exactJsonText(doc, indent);
}

/** Problems with a document, as readable lines (empty: it may be sent). */
export function validateProperties(doc: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return ["The document must be a JSON object."];
  const scale = doc.scale;
  const factor = Array.isArray(scale) ? scale : isObject(scale) ? scale.factor : undefined;
  if (!Array.isArray(factor) || factor.length !== 3 ||
      !factor.every((v) => typeof v === "number" && v > 0 && Number.isFinite(v))) {
    problems.push("scale.factor must be three positive numbers (x, y, z).");
  }
  if (!Array.isArray(doc.dataLayers)) {
    problems.push("dataLayers must be a list.");
    return problems;
  }
  const names = new Set<string>();
  doc.dataLayers.forEach((layer, i) => {
    const where = `dataLayers[${i}]`;
    if (!isObject(layer)) {
      problems.push(`${where} must be an object.`);
      return;
    }
    if (typeof layer.name !== "string" || !layer.name) problems.push(`${where}.name is missing.`);
    else if (names.has(layer.name)) problems.push(`Layer name ${layer.name} is used twice.`);
    else names.add(layer.name);
    if (layer.category !== "color" && layer.category !== "segmentation") {
      problems.push(`${where}.category must be "color" or "segmentation".`);
    }
    if (typeof layer.elementClass !== "string" || !ELEMENT_CLASSES.has(layer.elementClass)) {
      problems.push(`${where}.elementClass ${JSON.stringify(layer.elementClass)} is unknown.`);
    }
    const box = layer.boundingBox;
    if (!isObject(box) || !Array.isArray(box.topLeft) || box.topLeft.length !== 3 ||
        !box.topLeft.every((v) => Number.isInteger(v)) ||
        !isCount(box.width) || !isCount(box.height) || !isCount(box.depth)) {
      problems.push(`${where}.boundingBox needs topLeft [x, y, z] and whole width, height, depth.`);
    }
    if (layer.largestSegmentId !== undefined && layer.largestSegmentId !== null &&
        !isSegmentId(layer.largestSegmentId)) {
      problems.push(`${where}.largestSegmentId must be a whole number from 0 to 2^64 - 1.`);
    }
  });
  return problems;
}

/** Parse the Advanced editor's text: the document, or the problems with it. */
export function parseEditor(text: string): { doc: Properties | null; problems: string[] } {
  let doc: unknown;
  try {
    doc = parsePropertiesText(text);
  } catch (error) {
    return { doc: null, problems: [`Not valid JSON: ${(error as Error).message}`] };
  }
  const problems = validateProperties(doc);
  return { doc: problems.length ? null : (doc as Properties), problems };
}

/** The document with a new voxel size (the legacy `[x, y, z]` form becomes `{factor, unit}`). */
export function withVoxelSize(doc: Properties, factor: [number, number, number]): Properties {
  const scale = Array.isArray(doc.scale) ? { unit: "nanometer" } : doc.scale;
  return { ...doc, scale: { ...scale, factor } };
}

/** The document with one layer's fields replaced. */
export function withLayer(doc: Properties, name: string, patch: Partial<PropertiesLayer>): Properties {
  return {
    ...doc,
    dataLayers: doc.dataLayers.map((layer) => (layer.name === name ? { ...layer, ...patch } : layer)),
  };
}
