/** Which part of the app a /ui URL belongs to: the viewer, or a page of the web app. */
export type Route =
  | { kind: "viewer"; org: string; dataset: string }
  | { kind: "app"; path: string };

const VIEWER = /^\/ui\/view\/([^/]+)\/([^/]+)\/?$/;

export function routeOf(pathname: string): Route {
  const viewer = VIEWER.exec(pathname);
  if (viewer) {
    return { kind: "viewer", org: decodeURIComponent(viewer[1]), dataset: decodeURIComponent(viewer[2]) };
  }
  return { kind: "app", path: pathname.replace(/^\/ui/, "") || "/" };
}
