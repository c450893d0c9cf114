/** The signed-in user's account: who they are, their password, and their API tokens. */
import { useState } from "preact/hooks";
import { call } from "../api/client";
import { ErrorNote, Notice } from "../components/ui";
import { useAction } from "../lib/hooks";
import { useSession } from "../session";
import { TokensTab } from "./People";

function ChangePassword() {
  const { setMe } = useSession();
  const [oldPassword, setOld] = useState("");
  const [newPassword, setNew] = useState("");
  const [repeat, setRepeat] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    setDone(false);
    if (newPassword !== repeat) {
      setProblem("The two new passwords differ.");
      return;
    }
    setProblem(null);
    const me = await action.run(() => call("patch", "/api/v1/auth/me", { json: { oldPassword, newPassword } }));
    if (me) {
      setMe(me);
      setOld(""); setNew(""); setRepeat("");
      setDone(true);
    }
  };
  return (
    <form class="card form" onSubmit={submit}>
      <h2>Change password</h2>
      <label>Current password<input type="password" autoComplete="current-password" value={oldPassword}
        onInput={(e) => setOld(e.currentTarget.value)} /></label>
      <label>New password<input type="password" autoComplete="new-password" required value={newPassword}
        onInput={(e) => setNew(e.currentTarget.value)} /></label>
      <label>Repeat the new password<input type="password" autoComplete="new-password" required value={repeat}
        onInput={(e) => setRepeat(e.currentTarget.value)} /></label>
      <ErrorNote error={problem ?? action.error} />
      {done ? <Notice>Password changed.</Notice> : null}
      <div class="buttons"><button type="submit" class="primary" disabled={action.busy}>Change password</button></div>
    </form>
  );
}

export function AccountPage() {
  const { me } = useSession();
  if (!me) return null;
  return (
    <main class="page">
      <h1>Account</h1>
      <div class="cards">
        <section class="card">
          <dl class="facts">
            <dt>Name</dt><dd>{me.name || "–"}</dd>
            <dt>Email</dt><dd>{me.email}</dd>
            <dt>Organization</dt><dd>{me.organization}</dd>
            <dt>Role</dt><dd>{me.role.replace("_", " ")}{me.isSuperuser ? " (superuser)" : ""}</dd>
            <dt>Teams</dt><dd>{me.teams.map((t) => t.name + (t.isManager ? " (manager)" : "")).join(", ") || "–"}</dd>
          </dl>
        </section>
        <ChangePassword />
      </div>
      <h2>API tokens</h2>
      <TokensTab />
    </main>
  );
}
