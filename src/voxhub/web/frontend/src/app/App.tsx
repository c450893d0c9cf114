/** The app shell: header navigation, the current page, login redirects. */
import { useEffect } from "preact/hooks";
import { call } from "./api/client";
import { Loading } from "./components/ui";
import { navigate, useLocation } from "./lib/hooks";
import { BASE, href, parseRoute, type Route } from "./lib/route";
import { AccountPage } from "./pages/Account";
import { AddDatasetPage } from "./pages/AddDataset";
import { DashboardPage } from "./pages/Dashboard";
import { DatasetPage } from "./pages/DatasetPage";
import { JobsPage } from "./pages/Jobs";
import { InvitePage, LoginPage } from "./pages/Login";
import { InvestigationPage, MetadataPage } from "./pages/Metadata";
import { PeoplePage } from "./pages/People";
import { SettingsPage } from "./pages/Settings";
import { TrashPage } from "./pages/Trash";
import { SessionContext, isManager, useSession, useSessionState } from "./session";

/** Pages that need a login; anonymous visitors are sent to the login page and back. */
const PRIVATE = new Set<Route["page"]>([
  "settings", "add", "jobs", "people", "account", "trash", "metadata", "investigation",
]);

/** Same-app links navigate without a reload (the viewer and API links load normally). */
function useLinkInterception(): void {
  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = (event.target as Element).closest?.("a");
      if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
      const url = new URL(anchor.href, location.href);
      if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
      if (url.pathname.startsWith(`${BASE}/view/`)) return;
      event.preventDefault();
      navigate(url.pathname + url.search);
    };
    document.addEventListener("click", onClick);
    return () => document.removeEventListener("click", onClick);
  }, []);
}

function Header({ route }: { route: Route }) {
  const { me, setMe } = useSession();
  const here = (page: Route["page"]) => (route.page === page ? "page" : undefined);
  const logout = async () => {
    try {
      await call("post", "/api/v1/auth/logout");
    } finally {
      setMe(null);
      navigate(href({ page: "login", next: `${BASE}/` }));
    }
  };
  return (
    <header class="topbar">
      <a class="brand" href={`${BASE}/`}>voxhub</a>
      <nav aria-label="Main">
        <a href={`${BASE}/`} aria-current={here("dashboard")}>Datasets</a>
        {me ? (
          <>
            <a href={href({ page: "add", tab: "upload" })} aria-current={here("add")}>Add dataset</a>
            <a href={href({ page: "jobs" })} aria-current={here("jobs")}>Jobs</a>
            <a href={href({ page: "metadata" })} aria-current={here("metadata")}>Metadata</a>
            <a href={href({ page: "people", tab: "users" })} aria-current={here("people")}>People</a>
            {isManager(me) ? (
              <a href={href({ page: "trash" })} aria-current={here("trash")}>Trash</a>
            ) : null}
          </>
        ) : null}
      </nav>
      <div class="who">
        {me ? (
          <>
            <a href={href({ page: "account" })} aria-current={here("account")}>
              {me.name || me.email}
            </a>
            <button type="button" class="link" onClick={logout}>Log out</button>
          </>
        ) : me === null && route.page !== "login" ? (
          <a href={href({ page: "login", next: location.pathname + location.search })}>Log in</a>
        ) : null}
      </div>
    </header>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "dashboard":
      return <DashboardPage />;
    case "login":
      return <LoginPage next={route.next} />;
    case "invite":
      return <InvitePage token={route.token} />;
    case "dataset":
      return <DatasetPage org={route.org} name={route.name} token={route.token} />;
    case "settings":
      return <SettingsPage org={route.org} name={route.name} tab={route.tab} />;
    case "add":
      return <AddDatasetPage tab={route.tab} />;
    case "jobs":
      return <JobsPage />;
    case "people":
      return <PeoplePage tab={route.tab} />;
    case "account":
      return <AccountPage />;
    case "trash":
      return <TrashPage />;
    case "metadata":
      return <MetadataPage />;
    case "investigation":
      return <InvestigationPage org={route.org} identifier={route.identifier} />;
    case "notFound":
      return (
        <main class="page">
          <h1>Page not found</h1>
          <p>
            There is no page at <code>{route.path}</code>. <a href={`${BASE}/`}>Go to the datasets</a>.
          </p>
        </main>
      );
  }
}

export function App() {
  const session = useSessionState();
  const { pathname, search } = useLocation();
  const route = parseRoute(pathname, search);
  useLinkInterception();
  const needsLogin = session.me === null && PRIVATE.has(route.page);
  useEffect(() => {
    if (needsLogin) navigate(href({ page: "login", next: pathname + search }), true);
  }, [needsLogin, pathname, search]);
  useEffect(() => {
    const titles: Partial<Record<Route["page"], string>> = {
      dashboard: "Datasets", login: "Log in", add: "Add dataset", jobs: "Jobs", people: "People",
      account: "Account", trash: "Trash", metadata: "Metadata",
    };
    const name = "name" in route ? route.name : "identifier" in route ? route.identifier : null;
    document.title = `${name ?? titles[route.page] ?? "voxhub"} · voxhub`;
  });
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#content">Skip to content</a>
      <Header route={route} />
      <div id="content" tabIndex={-1}>
        {session.me === undefined || needsLogin ? <Loading /> : <Page route={route} />}
      </div>
    </SessionContext.Provider>
  );
}
