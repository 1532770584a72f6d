// Split a command line into argv the way a POSIX shell would for plain
// words: single quotes keep everything, double quotes allow \" \\ \$ \`,
// a backslash outside quotes escapes the next character. No expansion.
export function splitArgv(line: string): { argv: string[]; error?: string } {
  const argv: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 < line.length) cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) argv.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) return { argv: [], error: `unterminated ${quote === '"' ? 'double' : 'single'} quote` };
  if (inWord) argv.push(cur);
  return { argv };
}

// The reverse, for showing a command: quote words that need it.
export function joinArgv(argv: string[]): string {
  return argv.map((a) => (a === '' ? "''" : /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
