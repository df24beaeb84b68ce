/**
 * Response coverage of a consultation by building and entrance (楼栋/单元), so organizers and
 * volunteers can see where to knock on doors next.
 */

/** A household of the register, located by building and (optional) entrance. */
export interface Household {
  id: string;
  building: string;
  /** Null when the building has no entrances recorded. */
  entrance: string | null;
}

/** Households and responses of one entrance. */
export interface EntranceCoverage {
  entrance: string | null;
  households: number;
  responded: number;
}

/** Households and responses of one building, with its entrances. */
export interface BuildingCoverage {
  building: string;
  households: number;
  responded: number;
  entrances: EntranceCoverage[];
}

/** Result of {@link coverage}. */
export interface Coverage {
  total: { households: number; responded: number };
  buildings: BuildingCoverage[];
}

/** Households grouped by building and entrance (as returned by {@link notReached}). */
export interface NotReachedBuilding<H extends Household = Household> {
  building: string;
  entrances: { entrance: string | null; households: H[] }[];
}

/**
 * Natural, Chinese-aware order: numbers by value ("2号楼" before "10号楼"), Chinese by pinyin.
 * Collators can call different strings equal (e.g. "01" and "1" numerically), so code-unit
 * order breaks such ties and the output never depends on input order.
 */
const collator = new Intl.Collator('zh', { numeric: true });

/** Natural comparison of building or entrance names (see `collator`); exported for reuse. */
export function compareNatural(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Entrances in natural order; a missing entrance (null) sorts after every named one. */
function compareEntrance(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return compareNatural(a, b);
}

/**
 * Groups households by building, then entrance, both in natural order, keeping the input order
 * within an entrance.
 *
 * @throws RangeError on a duplicate household id: a doubled household would be counted twice.
 */
function group<H extends Household>(households: readonly H[]): NotReachedBuilding<H>[] {
  const ids = new Set<string>();
  const buildings = new Map<string, Map<string | null, H[]>>();
  for (const h of households) {
    if (ids.has(h.id)) throw new RangeError(`duplicate household id ${JSON.stringify(h.id)}`);
    ids.add(h.id);
    let entrances = buildings.get(h.building);
    if (!entrances) buildings.set(h.building, (entrances = new Map()));
    let list = entrances.get(h.entrance);
    if (!list) entrances.set(h.entrance, (list = []));
    list.push(h);
  }
  return [...buildings.keys()].sort(compareNatural).map((building) => {
    const entrances = buildings.get(building)!;
    return {
      building,
      entrances: [...entrances.keys()]
        .sort(compareEntrance)
        .map((entrance) => ({ entrance, households: entrances.get(entrance)! })),
    };
  });
}

/**
 * Counts households and responses per building and entrance, sorted naturally (see
 * {@link compareNatural}; a null entrance last).
 *
 * `responded` holds ids of households that responded; ids not in `households` are ignored
 * (e.g. a household removed from the register after responding), so `responded` never
 * exceeds `households` at any level.
 *
 * @throws RangeError on a duplicate household id.
 */
export function coverage(households: Household[], responded: ReadonlySet<string>): Coverage {
  let total = 0;
  let totalResponded = 0;
  const buildings = group(households).map(({ building, entrances }) => {
    const rows = entrances.map(({ entrance, households: hs }) => ({
      entrance,
      households: hs.length,
      responded: hs.filter((h) => responded.has(h.id)).length,
    }));
    const b = {
      building,
      households: rows.reduce((s, e) => s + e.households, 0),
      responded: rows.reduce((s, e) => s + e.responded, 0),
      entrances: rows,
    };
    total += b.households;
    totalResponded += b.responded;
    return b;
  });
  return { total: { households: total, responded: totalResponded }, buildings };
}

/**
 * The households that have not responded, grouped by building and entrance in the same
 * natural order as {@link coverage}; within an entrance they keep the input (register) order.
 * Buildings and entrances with nobody left to reach are omitted. The household objects are
 * returned as given, so callers can show room numbers or other fields they carry.
 *
 * @throws RangeError on a duplicate household id.
 */
export function notReached<H extends Household>(
  households: H[],
  responded: ReadonlySet<string>,
): NotReachedBuilding<H>[] {
  return group(households)
    .map(({ building, entrances }) => ({
      building,
      entrances: entrances
        .map(({ entrance, households: hs }) => ({
          entrance,
          households: hs.filter((h) => !responded.has(h.id)),
        }))
        .filter((e) => e.households.length > 0),
    }))
    .filter((b) => b.entrances.length > 0);
}
