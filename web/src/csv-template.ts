/** The register template offered for download: the header row and two example rows. */
export const TEMPLATE_HEADER = [
  'part_id',
  'building',
  'entrance',
  'floor',
  'kind',
  'area',
  'area_source',
  'status',
  'owners',
  'owner_names',
  'owner_phones',
  'certificate',
];

const EXAMPLES = [
  ['1-1-101', '1', '1', '1', 'residential', '89.50', 'register', 'registered', 'P001', '张建国', '13800138000', ''],
  ['1-1-102', '1', '1', '1', 'residential', '102.35', 'register', 'registered', 'P002;P003', '李秀英;王明', '13900139000;', ''],
];

function cell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV text with a UTF-8 BOM so that Excel on Windows opens the Chinese names correctly. */
export function templateCsv(): string {
  return '\uFEFF' + [TEMPLATE_HEADER, ...EXAMPLES].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** An object URL for the template; the caller revokes it when done. */
export function templateUrl(): string {
  return URL.createObjectURL(new Blob([templateCsv()], { type: 'text/csv;charset=utf-8' }));
}
