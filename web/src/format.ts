import { t } from './i18n.ts';

/** Building codes are usually numbers (“3” → 3 栋) but may be names (“A座”), which are shown as they are. */
export function buildingName(code: string): string {
  return /^\d+$/.test(code) ? t('home.building', { b: code }) : code;
}

export function entranceName(code: string): string {
  return /^\d+$/.test(code) ? t('home.entrance', { e: code }) : code;
}

/** Natural order: 2 before 10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'zh-CN', { numeric: true });
}

/** Where a part is: building · entrance · floor (each kept on one line: “Floor 4” never splits). */
export function placeOf(p: { building: string; entrance: string | null; floor: number | null }): string {
  const bits = [buildingName(p.building)];
  if (p.entrance) bits.push(entranceName(p.entrance));
  if (p.floor !== null) bits.push(t('home.floor', { f: p.floor }));
  return bits.map((b) => b.replace(/ /g, '\u00a0')).join(' · ');
}
