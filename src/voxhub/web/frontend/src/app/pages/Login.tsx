/** Log in with email and password; then go on to the page that asked for it. */
import { useState } from "preact/hooks";
import { call } from "../api/client";
import { ErrorNote } from "../components/ui";
import { navigate, useAction } from "../lib/hooks";
import { useSession } from "../session";

/** The login form: on the login page, and on the dashboard for anonymous visitors. */
export function LoginForm({ next }: { next: string | null }) {
  const { setMe } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const me = await action.run(() => call("post", "/api/v1/auth/login", { json: { email, password } }));
    if (me) {
      setMe(me);
      if (next) navigate(next, true);
    }
  };
  return (
      <form class="card form" onSubmit={submit}>
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required autoFocus
            value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required
            value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <ErrorNote error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? "Logging in…" : "Log in"}
        </button>
      </form>
  );
}

export function LoginPage({ next }: { next: string }) {
  return (
    <main class="page narrow-page">
      <h1>Log in</h1>
      <LoginForm next={next} />
      <p class="hint">Public datasets and shared links open without an account.</p>
    </main>
  );
}

/** Choose a password with an invitation token (from an admin's "add user" or "reset password"). */
export function InvitePage({ token }: { token: string }) {
  const { setMe } = useSession();
  const [code, setCode] = useState(token);
  const [password, setPassword] = useState("");
  const action = useAction();
  const submit = async (event: Event) => {
    event.preventDefault();
    const me = await action.run(() =>
      call("post", "/api/v1/auth/invites/accept", { json: { token: code, password } }));
    if (me) {
      setMe(me);
      navigate("/ui/", true);
    }
  };
  return (
    <main class="page narrow-page">
      <h1>Choose your password</h1>
      <form class="card form" onSubmit={submit}>
        <label>
          Invitation token
          <input required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
        </label>
        <label>
          New password
          <input type="password" autoComplete="new-password" required value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <ErrorNote error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>Set password and log in</button>
      </form>
    </main>
  );
}
