import { UsageError } from './command';
import { compile, TemplateError } from './template';
import { json } from './text';

// Docker's --format: `table`, `json`, `table TEMPLATE` or a Go template
// (docker/cli formatter.Context), with Docker's alignment (text/tabwriter,
// minwidth 10, padding 3).

export interface ListFormat<Row> {
  defaultTable: string; // e.g. 'table {{.ID}}\t{{.Names}}'
  headers: Record<string, string>; // field -> column title
  context(row: Row): object;
}

export function renderList<Row>(rows: Row[], format: string | undefined, f: ListFormat<Row>): string[] {
  let src = format === undefined || format === '' || format === 'table' ? f.defaultTable : format === 'json' ? '{{json .}}' : format;
  const isTable = src.startsWith('table');
  if (isTable) src = src.slice('table'.length);
  src = src.trim().replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const tmpl = compileOrUsage(src);
  const out = rows.map((r) => tmpl.render(f.context(r)));
  if (!isTable) return out;
  const header = tmpl.render(headerContext(f.headers), { header: true });
  return tabwrite([header, ...out]);
}

export function compileOrUsage(src: string) {
  try {
    return compile(src);
  } catch (e) {
    if (e instanceof TemplateError) throw new UsageError(e.message, 1);
    throw e;
  }
}

// Renders one object per line (`inspect -f`); `json` and no format: an indented array.
export function renderObjects(objs: unknown[], format: string | undefined): string[] {
  if (format === undefined || format === '' || format === 'json') return [json(objs)];
  const tmpl = compileOrUsage(format.replace(/\\t/g, '\t').replace(/\\n/g, '\n'));
  return objs.map((o) => tmpl.render(o));
}

// In a table's header row every field prints its column title.
function headerContext(headers: Record<string, string>): object {
  const o: Record<string, unknown> = { ...headers };
  if ('Label' in headers) o.Label = () => headers.Label;
  return o;
}

// Go's text/tabwriter as docker uses it: cells end at a tab; a column is as
// wide as its widest cell plus 3, at least 10; the text after a line's last
// tab is not padded.
export function tabwrite(lines: string[]): string[] {
  const rows = lines.flatMap((l) => l.split('\n')).map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const r of rows)
    r.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(10, [...c].length + 3));
    });
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c + ' '.repeat(widths[i] - [...c].length) : c)).join(''));
}

// Docker's human durations: "Up 5 seconds", "Exited (0) 2 minutes ago".
export function since(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 1) return 'Less than a second';
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? 'About a minute' : `${m} minutes`;
  const h = Math.round(m / 60);
  if (h < 48) return h === 1 ? 'About an hour' : `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

// Go's time.Time.String() in UTC, as docker's CreatedAt columns print it.
export const goTime = (iso: string) => `${new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} +0000 UTC`;

