/** Files from a drop (files, folders, a zip) or a file input, with their relative paths. */
import { cleanRelativePath } from "./plan";
import type { PickedFile } from "./uploader";

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, into: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject));
    into.push({ file, relativePath: cleanRelativePath(entry.fullPath || file.name) });
    return;
  }
  if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in batches until it answers an empty one.
    for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) {
      for (const child of batch) await walk(child, into);
    }
  }
}

/** Every file of a drop, folders walked recursively. */
export async function filesFromDrop(data: DataTransfer): Promise<PickedFile[]> {
  const picked: PickedFile[] = [];
  const entries = [...data.items]
    .filter((item) => item.kind === "file")
    .map((item) => ({ entry: item.webkitGetAsEntry?.() ?? null, file: item.getAsFile() }));
  for (const { entry, file } of entries) {
    // Plain files come straight from the item; only folders need walking through entries.
    if (entry?.isDirectory) await walk(entry, picked);
    else if (file) picked.push({ file, relativePath: cleanRelativePath(file.name) });
  }
  if (!picked.length) {
    for (const file of data.files) picked.push({ file, relativePath: cleanRelativePath(file.name) });
  }
  return picked;
}

/** Files of an `<input type=file>` (with `webkitdirectory`, their paths in the folder). */
export function filesFromInput(list: FileList | null): PickedFile[] {
  return [...(list ?? [])].map((file) => ({
    file,
    relativePath: cleanRelativePath(file.webkitRelativePath || file.name),
  }));
}

/** A dataset name suggested by the files: the folder's or the first file's, without suffix. */
export function suggestName(files: PickedFile[]): string {
  const first = files[0]?.relativePath ?? "";
  const top = first.includes("/") ? first.split("/")[0] : first.replace(/(\.ome)?\.[^.]+$/, "");
  return top.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 64);
}
