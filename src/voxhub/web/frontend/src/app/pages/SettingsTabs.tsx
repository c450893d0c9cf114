/** The Data and Sharing tabs of the dataset settings (the others are in Settings.tsx). */
import { useEffect, useState } from "preact/hooks";
import { call } from "../api/client";
import type { Dataset, DiskProperties, Team } from "../api/types";
import { ErrorNote, Loading, Notice } from "../components/ui";
import { exactJsonText } from "../lib/exactjson";
import { formatVoxelSize } from "../lib/format";
import { useAction, useLoad } from "../lib/hooks";
import {
  type Properties,
  parseEditor,
  parsePropertiesText,
  propertiesText,
  validateProperties,
  withLayer,
  withVoxelSize,
} from "../lib/properties";
import { href, viewerHref } from "../lib/route";

export interface TabProps {
  dataset: Dataset;
  onChange: (d: Dataset) => void;
}

export const datasetPath = (d: Dataset) => ({ organization: d.organization, name: d.name });
const path = datasetPath;

export function NumberInput({ label, value, onChange, min, step = "any", integer = false }: {
  label: string;
  value: number | null | undefined;
  onChange: (v: number) => void;
  min?: number;
  step?: string;
  integer?: boolean;
}) {
  return (
    <label class="num">
      {label}
      <input type="number" value={value ?? ""} min={min} step={integer ? "1" : step} required
        onInput={(e) => onChange(Number(e.currentTarget.value))} />
    </label>
  );
}

/** A uint64 as typed digits: a number input would round it to a double above 2^53. */
export function DigitsInput({ label, value, onChange }: {
  label: string;
  value: string | number | null | undefined;
  onChange: (v: string | null) => void;
}) {
  return (
    <label class="num">
      {label}
      <input type="text" inputMode="numeric" pattern="[0-9]{1,20}" value={value ?? ""}
        onInput={(e) => onChange(e.currentTarget.value.trim() || null)} />
    </label>
  );
}

function DiskNotice({ dataset, onApplied }: { dataset: Dataset; onApplied: () => void }) {
  const disk = useLoad(
    (): Promise<DiskProperties> =>
      call("get", "/api/v1/datasets/{organization}/{name}/properties/disk", { path: path(dataset) }),
    [dataset.name],
  );
  const action = useAction();
  if (!disk.data?.differs) return null;
  const apply = async () => {
    const done = await action.run(() =>
      call("post", "/api/v1/datasets/{organization}/{name}/properties/disk/apply", { path: path(dataset) }));
    if (done) {
      await disk.reload();
      onApplied();
    }
  };
  return (
    <div class="notice warn" role="status">
      <strong>The datasource-properties.json on disk differs from the catalog.</strong>
      {disk.data.error ? <p>It cannot be used: {disk.data.error}</p> : (
        <>
          <ul class="diff">
            {disk.data.diff.map((op, i) => (
              <li key={i} class="mono small">
                {String(op.op)} {String(op.path)}{"value" in op ? ` → ${exactJsonText(op.value)}` : ""}
              </li>
            ))}
          </ul>
          <button type="button" class="primary" onClick={apply} disabled={action.busy}>Apply the disk version</button>
        </>
      )}
      <ErrorNote error={action.error} />
    </div>
  );
}

export function DataTab({ dataset, onChange }: TabProps) {
  const props = useLoad(
    async () => (await call("get", "/api/v1/datasets/{organization}/{name}/properties", {
      path: path(dataset), parse: parsePropertiesText,
    })) as unknown as Properties,
    [dataset.name],
  );
  const [doc, setDoc] = useState<Properties | null>(null);
  const [advanced, setAdvanced] = useState(false);
  const [text, setText] = useState("");
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => {
    if (props.data) {
      setDoc(props.data);
      setText(propertiesText(props.data, 2));
    }
  }, [props.data]);
  if (props.error) return <ErrorNote error={props.error} />;
  if (!doc) return <Loading what="Loading the properties" />;
  const factor = (Array.isArray(doc.scale) ? doc.scale : doc.scale.factor) as [number, number, number];
  const switchMode = (toAdvanced: boolean) => {
    if (toAdvanced) setText(propertiesText(doc, 2));
    else {
      const parsed = parseEditor(text);
      if (!parsed.doc) {
        setProblems(parsed.problems);
        return;
      }
      setDoc(parsed.doc);
    }
    setProblems([]);
    setAdvanced(toAdvanced);
  };
  const save = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    let next = doc;
    if (advanced) {
      const parsed = parseEditor(text);
      setProblems(parsed.problems);
      if (!parsed.doc) return;
      next = parsed.doc;
    } else {
      const found = validateProperties(next);
      setProblems(found);
      if (found.length) return;
    }
    const stored = await action.run(() =>
      call("put", "/api/v1/datasets/{organization}/{name}/properties", {
        path: path(dataset), jsonText: propertiesText(next), parse: parsePropertiesText,
      }));
    if (stored) {
      const fresh = stored as unknown as Properties;
      setDoc(fresh);
      setText(propertiesText(fresh, 2));
      setSaved(true);
      onChange(await call("get", "/api/v1/datasets/{organization}/{name}", { path: path(dataset) }));
    }
  };
  return (
    <form class="form wide" onSubmit={save}>
      <DiskNotice dataset={dataset} onApplied={() => void props.reload()} />
      <div class="mode" role="group" aria-label="Editor">
        <button type="button" aria-pressed={!advanced} onClick={() => switchMode(false)}>Simple</button>
        <button type="button" aria-pressed={advanced} onClick={() => switchMode(true)}>Advanced</button>
      </div>
      {advanced ? (
        <label>
          datasource-properties.json
          <textarea class="code" rows={24} spellcheck={false} value={text}
            onInput={(e) => { setText(e.currentTarget.value); setSaved(false); }} />
        </label>
      ) : (
        <>
          <fieldset>
            <legend>Voxel size ({typeof doc.scale === "object" && !Array.isArray(doc.scale) ? doc.scale.unit ?? "nanometer" : "nanometer"})</legend>
            <div class="row">
              {(["x", "y", "z"] as const).map((axis, i) => (
                <NumberInput key={axis} label={`Voxel size ${axis}`} value={factor[i]} min={0}
                  onChange={(v) => {
                    const next = [...factor] as [number, number, number];
                    next[i] = v;
                    setDoc(withVoxelSize(doc, next));
                  }} />
              ))}
            </div>
          </fieldset>
          {doc.dataLayers.map((layer) => (
            <fieldset key={layer.name}>
              <legend>Layer {layer.name} ({layer.category}, {layer.elementClass})</legend>
              <div class="row">
                {(["x", "y", "z"] as const).map((axis, i) => (
                  <NumberInput key={axis} label={`Top left ${axis}`} value={layer.boundingBox.topLeft[i]} integer
                    onChange={(v) => {
                      const topLeft = [...layer.boundingBox.topLeft] as [number, number, number];
                      topLeft[i] = v;
                      setDoc(withLayer(doc, layer.name, { boundingBox: { ...layer.boundingBox, topLeft } }));
                    }} />
                ))}
              </div>
              <div class="row">
                {(["width", "height", "depth"] as const).map((key) => (
                  <NumberInput key={key} label={key[0].toUpperCase() + key.slice(1)} value={layer.boundingBox[key]}
                    integer min={0}
                    onChange={(v) => setDoc(withLayer(doc, layer.name, { boundingBox: { ...layer.boundingBox, [key]: v } }))} />
                ))}
              </div>
              {layer.category === "segmentation" ? (
                <DigitsInput label="Largest segment id" value={layer.largestSegmentId}
                  onChange={(v) => setDoc(withLayer(doc, layer.name, { largestSegmentId: v }))} />
              ) : null}
            </fieldset>
          ))}
        </>
      )}
      {problems.length ? (
        <ul class="error" role="alert">{problems.map((p) => <li key={p}>{p}</li>)}</ul>
      ) : null}
      <ErrorNote error={action.error} />
      {saved ? <Notice>Saved. Voxel size is now {formatVoxelSize(dataset.voxelSize, dataset.unit)}.</Notice> : null}
      <div class="buttons">
        <button type="submit" class="primary" disabled={action.busy}>Save</button>
      </div>
    </form>
  );
}

export function SharingTab({ dataset, onChange }: TabProps) {
  const teams = useLoad((): Promise<Team[]> => call("get", "/api/v1/teams"), []);
  const sharing = useLoad(
    () => call("get", "/api/v1/datasets/{organization}/{name}/sharing-token", { path: path(dataset) }),
    [dataset.name],
  );
  const access = useLoad(
    () => call("get", "/api/v1/datasets/{organization}/{name}/access", { path: path(dataset) }),
    [dataset.name, dataset.isPublic, dataset.allowedTeams.length],
  );
  const [chosen, setChosen] = useState(new Set(dataset.allowedTeams.map((t) => t.id)));
  const [copied, setCopied] = useState(false);
  const action = useAction();
  const token = sharing.data?.sharingToken ?? null;
  const link = token ? new URL(href({ page: "dataset", org: dataset.organization, name: dataset.name, token }),
    location.origin).toString() : null;
  const togglePublic = async (isPublic: boolean) => {
    const d = await action.run(() => call("patch", "/api/v1/datasets/{organization}/{name}", {
      path: path(dataset), json: { isPublic } }));
    if (d) onChange(d);
  };
  const saveTeams = async () => {
    const d = await action.run(() => call("put", "/api/v1/datasets/{organization}/{name}/teams", {
      path: path(dataset), json: { teamIds: [...chosen] } }));
    if (d) onChange(d);
  };
  const renew = async () => {
    const s = await action.run(() => call("post", "/api/v1/datasets/{organization}/{name}/sharing-token", {
      path: path(dataset) }));
    if (s) sharing.set(s);
  };
  const revoke = async () => {
    await action.run(() => call("delete", "/api/v1/datasets/{organization}/{name}/sharing-token", {
      path: path(dataset) }));
    await sharing.reload();
  };
  return (
    <div class="form wide">
      <ErrorNote error={action.error} />
      <fieldset>
        <legend>Visibility</legend>
        <label class="check">
          <input type="checkbox" checked={dataset.isPublic} disabled={action.busy}
            onChange={(e) => togglePublic(e.currentTarget.checked)} />
          Public: anyone, also without an account, can see and read this dataset
        </label>
      </fieldset>
      <fieldset>
        <legend>Teams allowed on this dataset</legend>
        {teams.data?.length ? teams.data.map((team) => (
          <label key={team.id} class="check">
            <input type="checkbox" checked={chosen.has(team.id)} onChange={(e) => {
              const next = new Set(chosen);
              if (e.currentTarget.checked) next.add(team.id);
              else next.delete(team.id);
              setChosen(next);
            }} />
            {team.name}
          </label>
        )) : <p class="muted">No teams.</p>}
        {dataset.allowedTeamsCumulative.length > dataset.allowedTeams.length ? (
          <p class="hint">Through its folders also: {dataset.allowedTeamsCumulative
            .filter((t) => !dataset.allowedTeams.some((a) => a.id === t.id)).map((t) => t.name).join(", ")}</p>
        ) : null}
        <button type="button" onClick={saveTeams} disabled={action.busy}>Save teams</button>
      </fieldset>
      <fieldset>
        <legend>Sharing link</legend>
        {sharing.loading && !sharing.data ? <Loading /> : null}
        {link ? (
          <>
            <p>Anyone with this link can see and read the dataset, without an account.</p>
            <div class="row">
              <label class="grow">
                Sharing link
                <input readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
              </label>
            </div>
            <p class="small">Zarr URL for programs: <code>{sharing.data?.url}</code></p>
            <div class="buttons">
              <button type="button" onClick={async () => {
                await navigator.clipboard?.writeText(link).catch(() => undefined);
                setCopied(true);
              }}>{copied ? "Copied" : "Copy link"}</button>
              <a class="button" href={viewerHref(dataset.organization, dataset.name, token)}>Open in viewer</a>
              <button type="button" onClick={renew} disabled={action.busy}>Renew link</button>
              <button type="button" class="danger" onClick={revoke} disabled={action.busy}>Revoke link</button>
            </div>
          </>
        ) : (
          <>
            <p>No sharing link. Create one to give read access to people without an account.</p>
            <button type="button" class="primary" onClick={renew} disabled={action.busy}>Create sharing link</button>
          </>
        )}
      </fieldset>
      <section>
        <h3>Who can read it</h3>
        {access.data ? (
          <ul class="plain">
            {access.data.users.map((u) => (
              <li key={u.userId}>{u.name && u.name !== u.email ? `${u.name} (${u.email})` : u.email} <span class="muted">— {u.reasons.join(", ")}{u.canEdit ? " · can edit" : ""}</span></li>
            ))}
          </ul>
        ) : <Loading />}
      </section>
    </div>
  );
}

