// Entry point: the viewer and the web app are loaded as separate chunks, so a shared
// viewer link does not download the whole app and vice versa.
import { routeOf } from "./routes";

const root = document.getElementById("root")!;
const route = routeOf(location.pathname);
if (route.kind === "viewer") {
  import("./viewer/mount").then((m) => m.mountViewer(root, route.org, route.dataset));
} else {
  import("./app/mount").then((m) => m.mountApp(root));
}
