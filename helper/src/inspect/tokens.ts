// Split one iptables-save rule line into words the way iptables-restore
// reads it: double quotes group, backslash escapes the next character
// (CNI writes comments like `"name: \"net\" id: \"x\""`).
export function splitWords(line: string): string[] {
  // most rules quote nothing: one split, no per-character string building
  if (line.indexOf('"') < 0 && line.indexOf('\\') < 0) return line.split(/[ \t]+/).filter((w) => w !== '');
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && (c === ' ' || c === '\t')) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

// The inverse, as iptables-save quotes: only words with spaces or quotes are quoted.
export function quoteWord(w: string): string {
  if (w !== '' && !/[\s"\\]/.test(w)) return w;
  return `"${w.replace(/(["\\])/g, '\\$1')}"`;
}
