// One search rule for every list: the query's words, case-insensitive, each
// found somewhere in the row's text ("web 8080" finds web publishing 8080).
export function matchesQuery(query: string, ...fields: (string | undefined | null)[]): boolean {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const text = fields.filter(Boolean).join(' ').toLowerCase();
  return words.every((w) => text.includes(w));
}
