// The committed types are what openapi-typescript makes of the committed schema (which
// tests/web/test_openapi.py compares with the server): regenerate both when routes change.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import { expect, it } from "vitest";

it("schema.d.ts is generated from openapi.json", async () => {
  const schema = new URL("../../../openapi.json", import.meta.url);
  const generated = astToString(await openapiTS(schema));
  const committed = readFileSync(fileURLToPath(new URL("./schema.d.ts", import.meta.url)), "utf8");
  const body = (text: string) => text.slice(text.indexOf("export interface paths")).trim();
  expect(body(committed), "run `npm run api-types`").toBe(body(generated));
}, 30_000);
