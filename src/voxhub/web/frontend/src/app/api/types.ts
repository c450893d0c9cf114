/** Names for the schema's response and request shapes the pages use. */
import type { components } from "./schema";

type S = components["schemas"];
export type Dataset = S["DatasetOut"];
export type Layer = S["LayerOut"];
export type Folder = S["FolderOut"];
export type TeamRef = S["TeamRef"];
export type Team = S["TeamOut"];
export type Member = S["MemberOut"];
export type Me = S["MeOut"];
export type User = S["UserOut"];
export type Job = S["JobOut"];
export type Token = S["TokenOut"];
export type NewToken = S["NewTokenOut"];
export type Upload = S["UploadOut"];
export type TrashEntry = S["TrashOut"];
export type Sharing = S["SharingOut"];
export type AccessList = S["AccessOut"];
export type DiskProperties = S["DiskOut"];
export type Investigation = S["InvestigationOut"];
export type AuditEvent = S["AuditOut"];
export type Organization = S["OrganizationOut"];
