// Split one iptables-save rule line into words the way iptables-restore
// reads it: double quotes group, backslash escapes the next character
// (CNI writes comments like `"name: \"net\" id: \"x\""`).
export function splitWords(line: string): string[] {
  // most rules quote nothing: one split, no per-character string building;
  // iptables-save separates words with one space (no regex, no filter then)
  if (line.indexOf('"') < 0 && line.indexOf('\\') < 0) {
    if (line.indexOf('  ') < 0 && line.indexOf('\t') < 0 && line[0] !== ' ' && line[line.length - 1] !== ' ') return line === '' ? [] : line.split(' ');
    return line.split(/[ \t]+/).filter((w) => w !== '');
  }
  // word by word, copying the runs between quotes and escapes in slices
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    let cur = '';
    let from = i;
    let quoted = false;
    for (; i < n; i++) {
      const c = line[i];
      if (c === '\\' && i + 1 < n) {
        cur += line.slice(from, i) + line[i + 1];
        from = ++i + 1;
      } else if (c === '"') {
        cur += line.slice(from, i);
        quoted = !quoted;
        from = i + 1;
      } else if (!quoted && (c === ' ' || c === '\t')) break;
    }
    out.push(cur + line.slice(from, i));
  }
  return out;
}

// The inverse, as iptables-save quotes: only words with spaces or quotes are quoted.
export function quoteWord(w: string): string {
  if (w !== '' && !/[\s"\\]/.test(w)) return w;
  return `"${w.replace(/(["\\])/g, '\\$1')}"`;
}
