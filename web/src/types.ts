/** Shapes of the API answers this client reads (hand-copied from the server's DTOs). */
export interface TokenAnswer {
  token: string;
  expiresAt: string;
}

export interface MyPart {
  estateId: string;
  estateName: string;
  partId: string;
  building: string;
  entrance: string | null;
  floor: number | null;
  kind: string;
  area: string;
  areaCents: number;
  areaSource: string;
  status: string;
  coOwners: number;
}

export interface Me {
  user: { id: string; displayName: string; isAdmin: boolean };
  roles: { estateId: string; estateName: string; role: string }[];
  parts: MyPart[];
  /** Votes this account may vote in by a ballot letter or a proxy code (it has no role or home). */
  letters?: MyLetterVote[];
}

export interface MyLetterVote {
  estateId: string;
  estateName: string;
  voteId: string;
  voteTitle: string;
  party: string;
  kind: string;
  opensAt: string;
  closesAt: string;
}

export interface EstateListItem {
  id: string;
  name: string;
  address: string | null;
}

export interface Electorate {
  parties: number;
  area: string;
  areaCents: number;
  merge: string;
  developerParts: number;
}

export interface ImportSummary {
  dryRun: boolean;
  importId: string | null;
  rows: number;
  parts: number;
  persons: number;
  buildings: number;
  entrances: number;
  electorate: Electorate;
}

export interface BuildingRow {
  building: string;
  entrances: string[];
  parts: number;
  areaCents: number;
  area: string;
  parties: number;
  kinds: Record<string, number>;
  statuses: Record<string, number>;
}

export interface Overview {
  estate: { id: string; name: string };
  buildings: BuildingRow[];
  totals: { parts: number; areaCents: number; area: string; electorate: Electorate };
}

export interface PartRow {
  partId: string;
  building: string;
  entrance: string | null;
  floor: number | null;
  kind: string;
  area: string;
  areaCents: number;
  areaSource: string;
  status: string;
  owners: number;
}

export interface PartsPage {
  total: number;
  items: PartRow[];
}

export interface CreatedInvite {
  id: string;
  code: string;
  url: string;
  role: string;
  label: string;
  expiresAt: string;
}

export interface InviteRow {
  id: string;
  role: string;
  label: string;
  expiresAt: string;
  usedAt: string | null;
}
