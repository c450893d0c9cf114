/**
 * A dataset's key–value metadata (WEBKNOSSOS's `[{key, type, value}]`) as the rows of an
 * editor: every value is edited as text and turned back into its type on save, where a
 * number that is not one or a key given twice is refused with a readable message.
 */
export type MetadataType = "string" | "number" | "string[]";

// A type alias, not an interface: the API's PATCH body takes `{[key: string]: unknown}[]`.
export type MetadataEntry = {
  key: string;
  type: MetadataType;
  value: string | number | string[];
};

export interface MetadataRow {
  key: string;
  type: MetadataType;
  text: string;
}

export function toRows(entries: { key: unknown; type: unknown; value: unknown }[]): MetadataRow[] {
  return entries.map((e) => ({
    key: String(e.key),
    type: (["string", "number", "string[]"].includes(String(e.type)) ? e.type : "string") as MetadataType,
    text: Array.isArray(e.value) ? e.value.join(", ") : String(e.value ?? ""),
  }));
}

/** The entries to save, or the first problem; rows with neither key nor value are dropped. */
export function fromRows(rows: MetadataRow[]): { entries: MetadataEntry[] } | { problem: string } {
  const entries: MetadataEntry[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const key = row.key.trim();
    if (!key && !row.text.trim()) continue;
    if (!key) return { problem: `A metadata value (“${row.text}”) has no key.` };
    if (seen.has(key)) return { problem: `The metadata key “${key}” appears twice.` };
    seen.add(key);
    if (row.type === "number") {
      const value = Number(row.text.trim());
      if (!row.text.trim() || !Number.isFinite(value)) {
        return { problem: `“${key}” is a number, but “${row.text}” is not one.` };
      }
      entries.push({ key, type: "number", value });
    } else if (row.type === "string[]") {
      entries.push({ key, type: "string[]", value: row.text.split(",").map((v) => v.trim()).filter(Boolean) });
    } else {
      entries.push({ key, type: "string", value: row.text });
    }
  }
  return { entries };
}
