import { describe, expect, it } from "vitest";
import { href, parseRoute, safeNext, type Route } from "./route";

describe("routes", () => {
  const cases: Route[] = [
    { page: "dashboard" },
    { page: "login", next: "/ui/jobs" },
    { page: "invite", token: "inv_1" },
    { page: "dataset", org: "lab", name: "a b", token: null },
    { page: "dataset", org: "lab", name: "x", token: "vxs_1" },
    { page: "settings", org: "lab", name: "x", tab: "sharing" },
    { page: "add", tab: "import" },
    { page: "jobs" },
    { page: "people", tab: "tokens" },
    { page: "account" },
    { page: "trash" },
    { page: "metadata" },
    { page: "investigation", org: "lab", identifier: "inv-1" },
  ];
  it.each(cases)("round-trips %o", (route) => {
    const url = new URL(href(route), "http://hub.test");
    expect(parseRoute(url.pathname, url.search)).toEqual(route);
  });
  it("falls back to the first tab and to not-found", () => {
    expect(parseRoute("/ui/datasets/a/b/settings/nope")).toMatchObject({ tab: "data" });
    expect(parseRoute("/ui/nothing/here")).toEqual({ page: "notFound", path: "/ui/nothing/here" });
  });
  it("only redirects to this site after login", () => {
    expect(safeNext("https://evil.example/")).toBe("/ui/");
    expect(safeNext("//evil.example/")).toBe("/ui/");
    expect(safeNext("/ui/jobs?x=1")).toBe("/ui/jobs?x=1");
    expect(parseRoute("/ui/login", "?next=%2F%2Fevil")).toEqual({ page: "login", next: "/ui/" });
  });
});
