/**
 * Add dataset › Remote: explore a Zarr / N5 / Neuroglancer-precomputed source by URL (with
 * credentials when it needs them), review the proposed `datasource-properties.json`, then
 * register it. Remote data is only referenced, never copied.
 */
import { useState } from "preact/hooks";
import { call } from "../api/client";
import { Empty, ErrorNote, Notice } from "../components/ui";
import { useAction } from "../lib/hooks";
import { parseEditor } from "../lib/properties";
import { isManager, useSession } from "../session";

type Auth = "none" | "basic" | "token";

export function RemoteTab() {
  const { me } = useSession();
  const [url, setUrl] = useState("");
  const [name, setName] = useState("");
  const [auth, setAuth] = useState<Auth>("none");
  const [user, setUser] = useState("");
  const [secret, setSecret] = useState("");
  const [proposal, setProposal] = useState<string | null>(null);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  if (!isManager(me)) return <Empty>Only admins and dataset managers add remote datasets.</Empty>;
  const credentials: Record<string, string> | null = auth === "basic" ? { username: user, password: secret }
    : auth === "token" ? { token: secret } : null;
  const explore = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    const found = await action.run(() => call("post", "/api/v1/datasets/explore", {
      json: { url, credentials, name: name || null },
    }));
    if (found) {
      setProposal(JSON.stringify(found.properties, null, 2));
      setWarnings(found.warnings);
    }
  };
  const review = () => {
    if (proposal === null) return;
    const { problems } = parseEditor(proposal);
    setProblem(problems.length ? problems.join(" ") : null);
  };
  return (
    <>
      <form class="card form wide" onSubmit={explore}>
        <p>A remote dataset is only referenced, never copied: give the URL of an OME-Zarr, Zarr,
          N5 or Neuroglancer-precomputed source (<code>https://</code>, <code>s3://</code> or
          <code> gs://</code>). voxhub looks at it and proposes a <code>datasource-properties.json</code>,
          which you review before it is saved; its chunks are then streamed read-only through the
          same links and permissions as hosted data.</p>
        <label>Source URL<input required type="text" inputMode="url" maxLength={2048} value={url}
          placeholder="https://example.org/data/volume.ome.zarr" onInput={(e) => setUrl(e.currentTarget.value)} /></label>
        <label>Dataset name (optional)<input pattern="[A-Za-z0-9_\-]*" maxLength={128} value={name}
          onInput={(e) => setName(e.currentTarget.value)} /></label>
        <label>Credentials
          <select value={auth} onChange={(e) => setAuth(e.currentTarget.value as Auth)}>
            <option value="none">None (public source)</option>
            <option value="basic">User name and password</option>
            <option value="token">Token</option>
          </select>
        </label>
        {auth === "basic" ? (
          <label>User name<input autoComplete="off" value={user} onInput={(e) => setUser(e.currentTarget.value)} /></label>
        ) : null}
        {auth !== "none" ? (
          <label>{auth === "token" ? "Token" : "Password"}<input type="password" autoComplete="new-password"
            value={secret} onInput={(e) => setSecret(e.currentTarget.value)} /></label>
        ) : null}
        <ErrorNote error={action.error} />
        <div class="buttons"><button type="submit" class="primary" disabled={action.busy || !url.trim()}>Explore</button></div>
      </form>
      {proposal !== null ? (
        <section class="card form wide" aria-label="Proposed properties">
          <h2>Review the proposal</h2>
          {warnings.length ? (
            <ul class="warn-text">{warnings.map((w) => <li key={w}>{w}</li>)}</ul>
          ) : null}
          <label>datasource-properties.json
            <textarea class="code" rows={16} value={proposal} spellcheck={false}
              onInput={(e) => setProposal(e.currentTarget.value)} onBlur={review} />
          </label>
          <ErrorNote error={problem} />
          <Notice>This server explores remote sources but cannot register them yet; once it
            can, “Register” here saves the reviewed properties as a new dataset.</Notice>
        </section>
      ) : null}
    </>
  );
}
