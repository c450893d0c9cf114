/** People: users of the organization, teams and members, your API tokens, the audit log. */
import { useState } from "preact/hooks";
import { call } from "../api/client";
import type { NewToken, Team } from "../api/types";
import { Empty, ErrorNote, Loading, Notice, Tabs } from "../components/ui";
import { formatDate } from "../lib/format";
import { useAction, useLoad } from "../lib/hooks";
import { type PeopleTab, href } from "../lib/route";
import { isAdmin, isManager, useSession } from "../session";

function UsersTab() {
  const { me } = useSession();
  const users = useLoad(() => call("get", "/api/v1/users"), []);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<"member" | "dataset_manager" | "admin">("member");
  const [password, setPassword] = useState("");
  const [invite, setInvite] = useState<string | null>(null);
  const action = useAction();
  const add = async (e: Event) => {
    e.preventDefault();
    const created = await action.run(() => call("post", "/api/v1/users", {
      json: { email, name, role, password: password || null } }));
    if (created) {
      setInvite(created.inviteToken ?? null);
      setEmail(""); setName(""); setPassword("");
      await users.reload();
    }
  };
  const change = (id: number, json: { role?: "member" | "dataset_manager" | "admin"; active?: boolean }) =>
    action.run(async () => {
      await call("patch", "/api/v1/users/{user_id}", { path: { user_id: id }, json });
      await users.reload();
    });
  if (users.error) return <ErrorNote error={users.error} />;
  if (!users.data) return <Loading what="Loading users" />;
  const admin = isAdmin(me);
  return (
    <>
      <ErrorNote error={action.error} />
      <div class="table-wrap">
        <table class="stack">
          <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Teams</th><th scope="col">Active</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id}>
                <td data-label="Name">{u.name || "–"}</td>
                <td data-label="Email">{u.email}</td>
                <td data-label="Role">
                  {admin && u.id !== me?.id ? (
                    <select aria-label={`Role of ${u.email}`} value={u.role}
                      onChange={(e) => change(u.id, { role: e.currentTarget.value as "member" })}>
                      <option value="member">member</option>
                      <option value="dataset_manager">dataset manager</option>
                      <option value="admin">admin</option>
                    </select>
                  ) : u.role.replace("_", " ")}
                </td>
                <td class="small" data-label="Teams">{u.teams.map((t) => t.name + (t.isManager ? " (manager)" : "")).join(", ") || "–"}</td>
                <td class="nowrap" data-label="Active">
                  {admin && u.id !== me?.id ? (
                    <span class="inline-actions">
                      <button type="button" onClick={() => change(u.id, { active: !u.active })}>
                        {u.active ? "Deactivate" : "Activate"}
                      </button>{" "}
                      <button type="button" aria-label={`Reset the password of ${u.email}`}
                        onClick={() => {
                          if (!confirm(`Reset the password of ${u.email}? They get an invitation token to choose a new one.`)) return;
                          void action.run(async () => {
                            const reset = await call("post", "/api/v1/users/{user_id}/password", {
                              path: { user_id: u.id }, json: { password: null } });
                            setInvite(reset.inviteToken ?? null);
                          });
                        }}>Reset password</button>
                    </span>
                  ) : u.active ? "yes" : "no"}
                </td>
                <td class="small nowrap" data-label="Created">{formatDate(u.created)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {invite ? (
        <Notice>
          Invitation (shown once): give the user this link, where they choose a password:{" "}
          <code class="secret" data-testid="invite-link">{new URL(href({ page: "invite", token: invite }), location.origin).toString()}</code>
        </Notice>
      ) : null}
      {admin ? (
        <form class="card form" onSubmit={add}>
          <h2>Add a user</h2>
          <label>Email<input type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></label>
          <label>Name<input value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
          <label>Role
            <select value={role} onChange={(e) => setRole(e.currentTarget.value as "member")}>
              <option value="member">member</option><option value="dataset_manager">dataset manager</option><option value="admin">admin</option>
            </select>
          </label>
          <label>Initial password (leave empty to invite)<input type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></label>
          <div class="buttons"><button type="submit" class="primary" disabled={action.busy}>Add user</button></div>
        </form>
      ) : null}
    </>
  );
}

function TeamMembers({ team, users }: { team: Team; users: { id: number; email: string }[] }) {
  const members = useLoad(() => call("get", "/api/v1/teams/{team_id}/members", { path: { team_id: team.id } }), [team.id]);
  const [userId, setUserId] = useState<number | null>(null);
  const action = useAction();
  const candidates = users.filter((u) => !members.data?.some((m) => m.userId === u.id));
  return (
    <div>
      {members.data ? (
        <ul class="plain">
          {members.data.map((m) => (
            <li key={m.userId}>{m.name || m.email}{m.isManager ? " (manager)" : ""}{" "}
              <button type="button" class="link" onClick={() => action.run(async () => {
                await call("delete", "/api/v1/teams/{team_id}/members/{user_id}", { path: { team_id: team.id, user_id: m.userId } });
                await members.reload();
              })}>remove</button>
            </li>
          ))}
          {!members.data.length ? <li class="muted">No members.</li> : null}
        </ul>
      ) : <Loading />}
      {candidates.length ? (
        <form class="inline" onSubmit={(e) => {
          e.preventDefault();
          const chosen = userId ?? candidates[0].id;
          void action.run(async () => {
            await call("put", "/api/v1/teams/{team_id}/members/{user_id}", { path: { team_id: team.id, user_id: chosen }, json: { isManager: false } });
            await members.reload();
          });
        }}>
          <label class="sr-only" for={`add-${team.id}`}>Add member to {team.name}</label>
          <select id={`add-${team.id}`} onChange={(e) => setUserId(Number(e.currentTarget.value))}>
            {candidates.map((u) => <option key={u.id} value={u.id}>{u.email}</option>)}
          </select>
          <button type="submit" disabled={action.busy}>Add member</button>
        </form>
      ) : null}
      <ErrorNote error={action.error} />
    </div>
  );
}

function TeamsTab() {
  const { me } = useSession();
  const teams = useLoad(() => call("get", "/api/v1/teams"), []);
  const users = useLoad(async () => (isManager(me) ? await call("get", "/api/v1/users") : []), []);
  const [name, setName] = useState("");
  const action = useAction();
  if (teams.error) return <ErrorNote error={teams.error} />;
  if (!teams.data) return <Loading what="Loading teams" />;
  return (
    <>
      <ErrorNote error={action.error} />
      {!teams.data.length ? <Empty>No teams yet.</Empty> : null}
      <div class="cards">
        {teams.data.map((team) => (
          <section class="card" key={team.id} aria-label={`Team ${team.name}`}>
            <h2>{team.name}</h2>
            <TeamMembers team={team} users={users.data ?? []} />
            {isAdmin(me) ? (
              <button type="button" class="danger" onClick={() => {
                if (confirm(`Delete team ${team.name} and every access it grants?`)) {
                  void action.run(async () => {
                    await call("delete", "/api/v1/teams/{team_id}", { path: { team_id: team.id } });
                    await teams.reload();
                  });
                }
              }}>Delete team</button>
            ) : null}
          </section>
        ))}
      </div>
      {isAdmin(me) ? (
        <form class="card form" onSubmit={async (e) => {
          e.preventDefault();
          await action.run(() => call("post", "/api/v1/teams", { json: { name } }));
          setName("");
          await teams.reload();
        }}>
          <h2>New team</h2>
          <label>Team name<input required value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
          <div class="buttons"><button type="submit" class="primary" disabled={action.busy}>Create team</button></div>
        </form>
      ) : null}
    </>
  );
}

export function TokensTab() {
  const tokens = useLoad(() => call("get", "/api/v1/auth/tokens"), []);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<NewToken | null>(null);
  const action = useAction();
  return (
    <>
      <form class="card form" onSubmit={async (e) => {
        e.preventDefault();
        const token = await action.run(() => call("post", "/api/v1/auth/tokens", { json: { name } }));
        if (token) {
          setCreated(token);
          setName("");
          await tokens.reload();
        }
      }}>
        <h2>New API token</h2>
        <p class="hint">Programs (the Python client, zarr-python, napari) use tokens instead of your password.</p>
        <label>Token name<input value={name} maxLength={128} onInput={(e) => setName(e.currentTarget.value)} /></label>
        <div class="buttons"><button type="submit" class="primary" disabled={action.busy}>Create token</button></div>
        {created ? (
          <div class="notice" role="status">
            <p>Your new token <strong>{created.name}</strong>. Copy it now: it is shown only this once.</p>
            <code class="secret" data-testid="new-token">{created.token}</code>
          </div>
        ) : null}
      </form>
      <ErrorNote error={tokens.error ?? action.error} />
      {tokens.data === undefined && !tokens.error ? <Loading /> : null}
      {tokens.data?.length ? (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Token</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col">State</th></tr></thead>
            <tbody>
              {tokens.data.map((t) => (
                <tr key={t.id}>
                  <td>{t.name || "–"}</td>
                  <td class="mono">{t.prefix}</td>
                  <td class="small nowrap">{formatDate(t.created)}</td>
                  <td class="small nowrap">{formatDate(t.lastUsed)}</td>
                  <td class="small nowrap">{formatDate(t.expires)}</td>
                  <td>{t.revoked ? `revoked ${formatDate(t.revoked)}` : (
                    <button type="button" class="danger" aria-label={`Revoke token ${t.name || t.prefix}`}
                      onClick={() => action.run(async () => {
                        await call("delete", "/api/v1/auth/tokens/{token_id}", { path: { token_id: t.id } });
                        await tokens.reload();
                      })}>Revoke</button>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : tokens.data ? <Empty>No tokens.</Empty> : null}
    </>
  );
}

function AuditTab() {
  const events = useLoad(() => call("get", "/api/v1/audit", { query: { limit: 200 } }), []);
  if (events.error) return <ErrorNote error={events.error} />;
  if (!events.data) return <Loading what="Loading the audit log" />;
  if (!events.data.length) return <Empty>Nothing recorded yet.</Empty>;
  return (
    <div class="table-wrap">
      <table>
        <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Target</th><th scope="col">Details</th></tr></thead>
        <tbody>
          {events.data.map((e) => (
            <tr key={e.id}>
              <td class="small nowrap">{formatDate(e.at)}</td><td>{e.actor}</td><td class="mono small">{e.action}</td>
              <td class="mono small">{e.target}</td>
              <td class="small">{Object.entries(e.details).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PeoplePage({ tab }: { tab: PeopleTab }) {
  const { me } = useSession();
  const all: { id: PeopleTab; label: string; shown: boolean }[] = [
    { id: "users", label: "Users", shown: isManager(me) || !!me?.teams.some((t) => t.isManager) },
    { id: "teams", label: "Teams", shown: true },
    { id: "tokens", label: "API tokens", shown: true },
    { id: "audit", label: "Audit log", shown: isAdmin(me) },
  ];
  const tabs = all.filter((t) => t.shown).map((t) => ({ ...t, href: href({ page: "people", tab: t.id }) }));
  const current = tabs.some((t) => t.id === tab) ? tab : "tokens";
  return (
    <main class="page">
      <h1>People</h1>
      <Tabs tabs={tabs} current={current} />
      {current === "users" ? <UsersTab /> : current === "teams" ? <TeamsTab /> : current === "tokens" ? <TokensTab /> : <AuditTab />}
    </main>
  );
}
