/**
 * A plain, script-free API reference page rendered from the OpenAPI document (works offline and
 * under the strict CSP).
 */
const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

export function apiReferencePage(doc: { info: { title: string; version: string }; paths?: Record<string, Record<string, any>> }): string {
  const rows: string[] = [];
  for (const [p, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      const params = (op.parameters ?? []).map((x: any) => `<code>${esc(x.in)}:${esc(x.name)}</code>`).join(' ');
      const body = op.requestBody ? Object.keys(op.requestBody.content ?? {}).map(esc).join(', ') : '';
      const responses = Object.entries(op.responses ?? {}).map(([s, r]: [string, any]) => `<li><b>${esc(s)}</b> ${esc(r.description)}</li>`).join('');
      rows.push(`<section><h2><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(p)}</code></h2>
<p>${esc(op.summary)}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${params ? `<p>Parameters: ${params}</p>` : ''}${body ? `<p>Body: ${body}</p>` : ''}
<p>Access: ${esc(op['x-access'] ?? (op.security ? 'signed in' : 'public'))}</p><ul>${responses}</ul></section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)} reference</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}
section{border-top:1px solid #ddd;padding:.5rem 0}h2{font-size:1.1rem}.m{display:inline-block;min-width:4.5rem;color:#fff;background:#555;border-radius:4px;padding:0 .4rem;text-align:center}
.get{background:#1769aa}.post{background:#2e7d32}.patch,.put{background:#b26a00}.delete{background:#b00020}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>Machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a>. Errors always use the envelope
<code>{"error":{"code","message","requestId"}}</code>. Authenticated routes take <code>Authorization: Bearer &lt;token&gt;</code>.</p>
${rows.join('\n')}</body></html>`;
}
