/**
 * Add dataset › Remote: explore a Zarr / N5 / Neuroglancer-precomputed source by URL (with
 * credentials when it needs them), review the proposed `datasource-properties.json`, then
 * register it. Remote data is only referenced, never copied. A uint64 `largestSegmentId`
 * keeps its exact digits from the proposal, through the editor, to what is registered (the
 * client reads and sends it through `exactjson`).
 */
import { useState } from "preact/hooks";
import { call } from "../api/client";
import { Empty, ErrorNote, Loading, Notice } from "../components/ui";
import { useAction } from "../lib/hooks";
import { parseEditor, propertiesText } from "../lib/properties";
import { href, viewerHref } from "../lib/route";
import { isManager, useSession } from "../session";

type Auth = "none" | "basic" | "token" | "s3";
type Scope = "dataset" | "organization";

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
  const [scope, setScope] = useState<Scope>("dataset");
  const [region, setRegion] = useState("");
  const [registered, setRegistered] = useState<{ organization: string; name: string; warnings: string[] } | null>(null);
  const action = useAction();
  const saving = useAction();
  if (!isManager(me)) return <Empty>Only admins and dataset managers add remote datasets.</Empty>;
  const credentials: Record<string, string> | null = auth === "basic" ? { username: user, password: secret }
    : auth === "token" ? { token: secret }
      : auth === "s3" ? { accessKeyId: user, secretAccessKey: secret, ...(region ? { region } : {}) } : null;
  const explore = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    const found = await action.run(() => call("post", "/api/v1/datasets/explore", {
      json: { url, credentials, name: name || null },
    }));
    if (found) {
      setProposal(propertiesText(found.properties, 2)); // a uint64 largestSegmentId's exact digits
      setWarnings(found.warnings);
      setRegistered(null);
      setProblem(null);
      const proposed = (found.properties as { id?: { name?: string } }).id?.name;
      if (!name && proposed) setName(proposed);
    }
  };
  const register = async (event: Event) => {
    event.preventDefault();
    if (proposal === null) return;
    const { doc, problems } = parseEditor(proposal);
    if (!doc) {
      setProblem(problems.join(" "));
      return;
    }
    setProblem(null);
    const done = await saving.run(() => call("post", "/api/v1/datasets/remote", {
      json: { name, url, properties: doc as unknown as Record<string, unknown>, credentials, credentialScope: scope },
    }));
    if (done) setRegistered(done);
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
        <label>Dataset name<input pattern="[A-Za-z0-9_\-]*" maxLength={128} value={name}
          onInput={(e) => setName(e.currentTarget.value)} /></label>
        <label>Credentials
          <select value={auth} onChange={(e) => setAuth(e.currentTarget.value as Auth)}>
            <option value="none">None (public source)</option>
            <option value="basic">User name and password</option>
            <option value="token">Token</option>
            <option value="s3">S3 access key</option>
          </select>
        </label>
        {auth === "basic" || auth === "s3" ? (
          <label>{auth === "s3" ? "Access key id" : "User name"}<input autoComplete="off" value={user}
            onInput={(e) => setUser(e.currentTarget.value)} /></label>
        ) : null}
        {auth !== "none" ? (
          <label>{auth === "token" ? "Token" : auth === "s3" ? "Secret access key" : "Password"}
            <input type="password" autoComplete="new-password" value={secret}
              onInput={(e) => setSecret(e.currentTarget.value)} /></label>
        ) : null}
        {auth === "s3" ? (
          <label>Region (optional)<input value={region} onInput={(e) => setRegion(e.currentTarget.value)} /></label>
        ) : null}
        <ErrorNote error={action.error} />
        {action.busy ? <Loading what="Looking at the source" /> : null}
        <div class="buttons"><button type="submit" class="primary" disabled={action.busy || !url.trim()}>Explore</button></div>
      </form>
      {proposal !== null ? (
        <form class="card form wide" aria-label="Proposed properties" onSubmit={register}>
          <h2>Review the proposal</h2>
          {warnings.length ? (
            <ul class="warn-text">{warnings.map((w) => <li key={w}>{w}</li>)}</ul>
          ) : null}
          <label>datasource-properties.json
            <textarea class="code" rows={16} value={proposal} spellcheck={false}
              onInput={(e) => setProposal(e.currentTarget.value)} onBlur={review} />
          </label>
          {credentials ? (
            <label>Use the credentials for
              <select value={scope} onChange={(e) => setScope(e.currentTarget.value as Scope)}>
                <option value="dataset">this dataset only</option>
                <option value="organization">every dataset of the organization under this URL</option>
              </select>
            </label>
          ) : null}
          {credentials ? <p class="hint">The credentials are stored encrypted and never shown again.</p> : null}
          <ErrorNote error={problem ?? saving.error} />
          {saving.busy ? <Loading what="Checking the sources and registering" /> : null}
          {registered ? (
            <Notice>
              Registered <a href={href({ page: "dataset", org: registered.organization, name: registered.name, token: null })}>
                {registered.organization}/{registered.name}</a>
              {" · "}<a href={viewerHref(registered.organization, registered.name)}>open in the viewer</a>
              {registered.warnings.length ? ` (${registered.warnings.join(" ")})` : ""}
            </Notice>
          ) : null}
          <div class="buttons">
            <button type="submit" class="primary" disabled={saving.busy || !name.trim() || registered !== null}>Register</button>
          </div>
        </form>
      ) : null}
    </>
  );
}
