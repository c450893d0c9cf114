/** The signed-in user's account: who they are, their teams, and their API tokens. */
import { useSession } from "../session";
import { TokensTab } from "./People";

export function AccountPage() {
  const { me } = useSession();
  if (!me) return null;
  return (
    <main class="page">
      <h1>Account</h1>
      <section class="card">
        <dl class="facts">
          <dt>Name</dt><dd>{me.name || "–"}</dd>
          <dt>Email</dt><dd>{me.email}</dd>
          <dt>Organization</dt><dd>{me.organization}</dd>
          <dt>Role</dt><dd>{me.role.replace("_", " ")}{me.isSuperuser ? " (superuser)" : ""}</dd>
          <dt>Teams</dt><dd>{me.teams.map((t) => t.name + (t.isManager ? " (manager)" : "")).join(", ") || "–"}</dd>
        </dl>
      </section>
      <h2>API tokens</h2>
      <TokensTab />
    </main>
  );
}
