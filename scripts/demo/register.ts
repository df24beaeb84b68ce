/**
 * Generates the demo estate's register as CSV text in the import format, deterministically:
 * 3 buildings × 2 entrances × 6 floors × 4 flats (144 flats) plus 20 parking spaces. It has what real
 * registers have: co-owned flats, owners of several parts, developer-held (unsold / undelivered)
 * parts, surveyed and contract areas. Names and phone numbers are fictional.
 */
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴', '徐', '孙', '朱', '马', '胡', '郭', '林', '何', '高', '罗'];
const GIVEN = ['秀英', '建国', '桂兰', '志强', '丽华', '国华', '玉兰', '海燕', '文军', '淑珍', '明', '红梅', '建华', '德胜', '晓东', '春花', '立新', '凤英', '伟', '静'];
const FLAT_AREAS = ['89.50', '96.30', '120.00', '75.20'];

export interface DemoPerson {
  ref: string;
  name: string;
  phone: string;
}

/** Register person ids worth demonstrating: a sole owner, a co-owner, an owner of several parts. */
export interface DemoExamples {
  soleOwner: string;
  coOwner: string;
  multiOwner: string;
}

export function demoRegisterCsv(): { csv: string; persons: DemoPerson[]; examples: DemoExamples } {
  const persons: DemoPerson[] = [];
  const newPerson = () => {
    const i = persons.length;
    const p = {
      ref: `P${String(i + 1).padStart(3, '0')}`,
      name: `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}`,
      phone: `1390000${String(1000 + i).padStart(4, '0')}`,
    };
    persons.push(p);
    return p;
  };
  const lines = ['part_id,building,entrance,floor,kind,area,area_source,status,owners,owner_names,owner_phones,certificate'];
  const row = (id: string, b: string, e: string, floor: string, kind: string, area: string, source: string, status: string, owners: DemoPerson[]) =>
    lines.push(
      [id, b, e, floor, kind, area, source, status, owners.map((o) => o.ref).join(';'), owners.map((o) => o.name).join(';'), owners.map((o) => o.phone).join(';'), owners.length ? `苏(2019)示范不动产权第${id.replace(/-/g, '')}号` : ''].join(','),
    );
  const flatOwners = new Map<string, DemoPerson[]>();
  let n = 0;
  for (const b of ['1', '2', '3']) {
    for (const e of ['1', '2']) {
      for (let floor = 1; floor <= 6; floor++) {
        for (let flat = 1; flat <= 4; flat++) {
          n++;
          const id = `${b}-${e}-${floor}0${flat}`;
          const area = FLAT_AREAS[(floor + flat + Number(e)) % FLAT_AREAS.length]!;
          // Building 3, entrance 2, top floor: still unsold; floor 5 there: sold, not yet delivered.
          if (b === '3' && e === '2' && floor === 6) { row(id, b, e, String(floor), 'residential', area, 'contract', 'unsold', []); continue; }
          if (b === '3' && e === '2' && floor === 5) { row(id, b, e, String(floor), 'residential', area, 'contract', 'sold_undelivered', []); continue; }
          let owners: DemoPerson[];
          if (n % 9 === 0 && n > 9) owners = flatOwners.get(`${b}-${e}-${floor - 1}0${flat}`) ?? [newPerson()]; // one buyer of two flats
          else if (n % 7 === 0) owners = [newPerson(), newPerson()]; // 共有人: a couple on one certificate
          else owners = [newPerson()];
          flatOwners.set(id, owners);
          const delivered = b === '3' && floor <= 2;
          row(id, b, e, String(floor), 'residential', area, delivered ? 'survey' : 'register', delivered ? 'delivered' : 'registered', owners);
        }
      }
    }
  }
  // Parking spaces: twelve bought by flat owners, eight still held by the developer.
  const buyers = [...flatOwners.values()].filter((o) => o.length === 1).map((o) => o[0]!).filter((o, i, all) => all.indexOf(o) === i).slice(0, 12);
  for (let i = 1; i <= 20; i++) {
    const id = `G-${String(i).padStart(3, '0')}`;
    const owner = buyers[i - 1];
    row(id, 'G', '', '-1', 'parking', '12.50', owner ? 'register' : 'contract', owner ? 'registered' : 'unsold', owner ? [owner] : []);
  }
  const partsOf = new Map<string, number>();
  for (const owners of flatOwners.values()) for (const o of new Set(owners)) partsOf.set(o.ref, (partsOf.get(o.ref) ?? 0) + 1);
  const coOwned = [...flatOwners.values()].find((o) => o.length === 2)!;
  const examples: DemoExamples = {
    soleOwner: persons.find((p) => partsOf.get(p.ref) === 1 && !coOwned.includes(p) && !buyers.includes(p))!.ref,
    coOwner: coOwned[0]!.ref,
    multiOwner: [...partsOf.entries()].find(([, count]) => count > 1)![0],
  };
  return { csv: `${lines.join('\n')}\n`, persons, examples };
}
