import { describe, expect, it } from "vitest";
import { routeOf } from "./routes";

describe("routeOf", () => {
  it("sends /ui/view/{org}/{dataset} to the viewer", () => {
    expect(routeOf("/ui/view/lab/brain%201")).toEqual({ kind: "viewer", org: "lab", dataset: "brain 1" });
  });
  it("sends everything else to the app", () => {
    expect(routeOf("/ui/")).toEqual({ kind: "app", path: "/" });
    expect(routeOf("/ui/datasets")).toEqual({ kind: "app", path: "/datasets" });
    expect(routeOf("/ui/view/lab")).toEqual({ kind: "app", path: "/view/lab" });
  });
});
