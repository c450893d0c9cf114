/** Names for the schema's response and request shapes the pages use. */
import type { Exact } from "../lib/exactjson";
import type { components } from "./schema";

type S = components["schemas"];
/** A dataset as the client reads it: a layer's uint64 `largestSegmentId` as its exact digits. */
export type Dataset = Exact<S["DatasetOut"]>;
export type Layer = Exact<S["LayerOut"]>;
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
