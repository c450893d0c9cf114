// Entry point: the viewer and the web app are loaded as separate chunks, so a shared
// viewer link does not download the whole app and vice versa.
import { routeOf } from "./routes";
import { requestDataset, shareToken } from "./viewer/dataset";

const root = document.getElementById("root")!;
const route = routeOf(location.pathname);
if (route.kind === "viewer") {
  // The dataset's description is asked for while the viewer's code loads, not after.
  const requested = requestDataset(route.org, route.dataset, shareToken());
  requested.catch(() => undefined); // the viewer reports a failure (unhandled until it looks)
  import("./viewer/mount").then((m) => m.mountViewer(root, route.org, route.dataset, requested));
} else {
  import("./app/mount").then((m) => m.mountApp(root));
}
