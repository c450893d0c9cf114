/**
 * The app's pages as typed routes: parsed from the URL in one place, built back by `href`.
 *
 * Everything a page needs to survive a reload (the dashboard's search and selection, a
 * settings tab) lives in the URL; pages read the parsed route and never parse paths.
 */

export const BASE = "/ui";

export type SettingsTab = "data" | "sharing" | "metadata" | "view" | "delete";
export type AddTab = "upload" | "import" | "remote";
export type PeopleTab = "users" | "teams" | "tokens" | "audit";

export type Route =
  | { page: "dashboard" }
  | { page: "login"; next: string }
  | { page: "invite"; token: string }
  | { page: "dataset"; org: string; name: string; token: string | null }
  | { page: "settings"; org: string; name: string; tab: SettingsTab }
  | { page: "add"; tab: AddTab }
  | { page: "jobs" }
  | { page: "people"; tab: PeopleTab }
  | { page: "account" }
  | { page: "trash" }
  | { page: "metadata" }
  | { page: "investigation"; org: string; identifier: string }
  | { page: "notFound"; path: string };

const SETTINGS_TABS: SettingsTab[] = ["data", "sharing", "metadata", "view", "delete"];
const ADD_TABS: AddTab[] = ["upload", "import", "remote"];
const PEOPLE_TABS: PeopleTab[] = ["users", "teams", "tokens", "audit"];

function oneOf<T extends string>(value: string | undefined, allowed: T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** A same-site path to go to after logging in; anything else becomes the dashboard. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) {
    return `${BASE}/`;
  }
  return next;
}

export function parseRoute(pathname: string, search = ""): Route {
  const params = new URLSearchParams(search);
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split("/").filter(Boolean).map(decodeURIComponent);
  const [first, ...more] = parts;
  switch (first) {
    case undefined:
      return { page: "dashboard" };
    case "login":
      return { page: "login", next: safeNext(params.get("next")) };
    case "invite":
      return { page: "invite", token: params.get("token") ?? "" };
    case "datasets":
      if (more.length === 2) {
        return { page: "dataset", org: more[0], name: more[1], token: params.get("token") };
      }
      if (more.length >= 3 && more[2] === "settings") {
        return {
          page: "settings", org: more[0], name: more[1],
          tab: oneOf(more[3], SETTINGS_TABS, "data"),
        };
      }
      break;
    case "add":
      return { page: "add", tab: oneOf(more[0], ADD_TABS, "upload") };
    case "jobs":
      return { page: "jobs" };
    case "people":
      return { page: "people", tab: oneOf(more[0], PEOPLE_TABS, "users") };
    case "account":
      return { page: "account" };
    case "trash":
      return { page: "trash" };
    case "metadata":
      if (more.length === 2) return { page: "investigation", org: more[0], identifier: more[1] };
      if (more.length === 0) return { page: "metadata" };
      break;
  }
  return { page: "notFound", path: pathname };
}

const enc = encodeURIComponent;

/** The URL of a route (the inverse of {@link parseRoute}). */
export function href(route: Route): string {
  switch (route.page) {
    case "dashboard":
      return `${BASE}/`;
    case "login":
      return `${BASE}/login?next=${enc(route.next)}`;
    case "invite":
      return `${BASE}/invite?token=${enc(route.token)}`;
    case "dataset":
      return `${BASE}/datasets/${enc(route.org)}/${enc(route.name)}` +
        (route.token ? `?token=${enc(route.token)}` : "");
    case "settings":
      return `${BASE}/datasets/${enc(route.org)}/${enc(route.name)}/settings/${route.tab}`;
    case "add":
      return `${BASE}/add/${route.tab}`;
    case "people":
      return `${BASE}/people/${route.tab}`;
    case "investigation":
      return `${BASE}/metadata/${enc(route.org)}/${enc(route.identifier)}`;
    case "notFound":
      return route.path;
    default:
      return `${BASE}/${route.page}`;
  }
}

/** The viewer of a dataset (a separate bundle: links there load a new page). */
export function viewerHref(org: string, name: string, token?: string | null): string {
  return `${BASE}/view/${enc(org)}/${enc(name)}` + (token ? `?token=${enc(token)}` : "");
}

/** The OpenMSI viewer of a mass-spectrometry dataset. */
export function openMsiHref(org: string, name: string): string {
  return `/openmsi/client/viewer/?file=${enc(`${org}/${name}`)}`;
}
