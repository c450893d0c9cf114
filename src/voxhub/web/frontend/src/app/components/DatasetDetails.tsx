/** The right sidebar (and the dataset page): a dataset's description, tags, layers, links. */
import { useState } from "preact/hooks";
import { call } from "../api/client";
import type { Dataset, Investigation } from "../api/types";
import { parseTags } from "../lib/filters";
import { formatBox, formatBytes, formatDate, formatVoxelSize } from "../lib/format";
import { useAction, useLoad } from "../lib/hooks";
import { renderMarkdown } from "../lib/markdown";
import { href, openMsiHref, viewerHref } from "../lib/route";
import { useSession } from "../session";
import { ErrorNote } from "./ui";

export function isMsi(dataset: Dataset): boolean {
  return dataset.layers.some((l) => l.name === "msi") || dataset.tags.includes("msi");
}

export function thumbnailUrl(dataset: Dataset, size: number, token?: string | null): string | null {
  const layer = dataset.layers.find((l) => l.category === "color") ?? dataset.layers[0];
  if (!layer || dataset.status !== "active") return null;
  const base = `/api/v1/datasets/${encodeURIComponent(dataset.organization)}/` +
    `${encodeURIComponent(dataset.name)}/layers/${encodeURIComponent(layer.name)}/thumbnail.png`;
  return `${base}?size=${size}` + (token ? `&token=${encodeURIComponent(token)}` : "");
}

export function Markdown({ text }: { text: string }) {
  if (!text.trim()) return <p class="muted">No description.</p>;
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />;
}

/** Tags with inline editing for those who may edit the dataset. */
export function TagEditor({ dataset, onChange }: {
  dataset: Dataset;
  onChange: (d: Dataset) => void;
}) {
  const [text, setText] = useState("");
  const action = useAction();
  const save = async (tags: string[]) => {
    const updated = await action.run(() =>
      call("patch", "/api/v1/datasets/{organization}/{name}", {
        path: { organization: dataset.organization, name: dataset.name },
        json: { tags },
      }),
    );
    if (updated) {
      onChange(updated);
      setText("");
    }
  };
  return (
    <div class="tags-editor">
      <ul class="tags" aria-label="Tags">
        {dataset.tags.map((tag) => (
          <li key={tag} class="tag">
            {tag}
            {dataset.isEditable ? (
              <button type="button" class="tag-remove" aria-label={`Remove tag ${tag}`}
                disabled={action.busy} onClick={() => save(dataset.tags.filter((t) => t !== tag))}>
                ×
              </button>
            ) : null}
          </li>
        ))}
        {!dataset.tags.length ? <li class="muted">No tags</li> : null}
      </ul>
      {dataset.isEditable ? (
        <form class="inline" onSubmit={(e) => {
          e.preventDefault();
          const added = parseTags(text);
          if (added.length) void save([...new Set([...dataset.tags, ...added])]);
        }}>
          <label class="sr-only" for={`tag-${dataset.name}`}>Add tag</label>
          <input id={`tag-${dataset.name}`} placeholder="Add tags" value={text}
            onInput={(e) => setText(e.currentTarget.value)} />
          <button type="submit" disabled={action.busy || !text.trim()}>Add</button>
        </form>
      ) : null}
      <ErrorNote error={action.error} />
    </div>
  );
}

function AssayLinks({ dataset }: { dataset: Dataset }) {
  const key = `${dataset.organization}/${dataset.name}`;
  const links = useLoad(async () => {
    const all: Investigation[] = await call("get", "/api/v1/investigations");
    return all.flatMap((inv) =>
      inv.links.filter((l) => l.dataset === key).map((l) => ({ inv, link: l })),
    );
  }, [key]);
  if (!links.data?.length) return null;
  return (
    <section>
      <h3>ISA assays</h3>
      <ul class="plain">
        {links.data.map(({ inv, link }) => (
          <li key={link.id}>
            <a href={href({ page: "investigation", org: inv.organization, identifier: inv.identifier })}>
              {inv.title || inv.identifier}
            </a>{" "}
            · assay <strong>{link.assay}</strong>
            {link.layer ? ` (layer ${link.layer})` : ""}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function DatasetDetails({ dataset, onChange, token }: {
  dataset: Dataset;
  onChange: (d: Dataset) => void;
  token?: string | null;
}) {
  const { me } = useSession();
  const thumb = thumbnailUrl(dataset, 256, token);
  return (
    <article class="details" aria-label={`Dataset ${dataset.displayName}`}>
      <div class="details-side">
      {thumb ? <img class="thumb-large" src={thumb} alt="" loading="lazy" /> : null}
      <h2>{dataset.displayName}</h2>
      <p class="muted mono">{dataset.organization}/{dataset.name}</p>
      <p class="actions">
        {isMsi(dataset) ? (
          <a class="button primary" href={openMsiHref(dataset.organization, dataset.name)}>
            Open in OpenMSI viewer
          </a>
        ) : (
          <a class="button primary" href={viewerHref(dataset.organization, dataset.name, token)}>
            Open in viewer
          </a>
        )}
        {dataset.isEditable && me ? (
          <a class="button" href={href({ page: "settings", org: dataset.organization,
            name: dataset.name, tab: "data" })}>Settings</a>
        ) : null}
      </p>
      <dl class="facts">
        <dt>Status</dt><dd><span class={`status status-${dataset.status}`}>{dataset.status}</span></dd>
        <dt>Voxel size</dt><dd>{formatVoxelSize(dataset.voxelSize, dataset.unit)}</dd>
        <dt>Size on disk</dt>
        <dd>{dataset.diskBytes == null ? "being measured (or not stored here)" : formatBytes(dataset.diskBytes)}</dd>
        <dt>Created</dt><dd>{formatDate(dataset.created)}</dd>
        {dataset.uploader ? (<><dt>Uploaded by</dt><dd>{dataset.uploader}</dd></>) : null}
        <dt>Access</dt>
        <dd>
          {dataset.isPublic ? "Public" : "Private"}
          {dataset.allowedTeamsCumulative.length
            ? ` · teams ${dataset.allowedTeamsCumulative.map((t) => t.name).join(", ")}`
            : ""}
        </dd>
      </dl>
      </div>
      <div class="details-main">
      <section>
        <h3>Description</h3>
        <Markdown text={dataset.description} />
      </section>
      {dataset.metadata.length ? (
        <section>
          <h3>Metadata</h3>
          <dl class="facts">
            {dataset.metadata.flatMap((m) => [
              <dt key={`k-${m.key}`}>{String(m.key)}</dt>,
              <dd key={`v-${m.key}`}>{Array.isArray(m.value) ? m.value.join(", ") : String(m.value)}</dd>,
            ])}
          </dl>
        </section>
      ) : null}
      <section>
        <h3>Tags</h3>
        <TagEditor dataset={dataset} onChange={onChange} />
      </section>
      <section>
        <h3>Layers</h3>
        <ul class="plain layers">
          {dataset.layers.map((layer) => (
            <li key={layer.name}>
              <strong>{layer.name}</strong> <span class="muted">{layer.category} · {layer.elementClass}
                {layer.numChannels > 1 ? ` · ${layer.numChannels} channels` : ""}</span>
              <br />
              <span class="small">{formatBox(layer.boundingBox)} · {layer.mags.length} mags
                {layer.largestSegmentId !== null && layer.largestSegmentId !== undefined
                  ? ` · largest segment ${layer.largestSegmentId}` : ""}</span>
            </li>
          ))}
        </ul>
      </section>
      {me ? <AssayLinks dataset={dataset} /> : null}
      </div>
    </article>
  );
}
