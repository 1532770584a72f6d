// One connection-tracking entry as `conntrack -L -o extended` prints it:
//   ipv4 2 tcp 6 431999 ESTABLISHED src=A dst=B sport=1 dport=2 [ASSURED]? src=C dst=D sport=3 dport=4 [ASSURED] mark=0 use=1
// The first src/dst/sport/dport group is the original direction, the second
// the reply: a DNAT'd flow answers from the container (reply src != orig dst).
export interface CtTuple {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}
export interface ConntrackEntry {
  family: 'ipv4' | 'ipv6';
  proto: 'tcp' | 'udp' | 'sctp';
  state: string | null; // TCP/SCTP state; null for UDP
  orig: CtTuple;
  reply: CtTuple;
  text: string; // the line as printed, for evidence
}

const PROTOS = new Set(['tcp', 'udp', 'sctp']);

// Only port-carrying protocols: ICMP and the rest have no host port to be stale.
export function parseConntrackList(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const f = line.split(/\s+/);
    if (f.length < 6 || (f[0] !== 'ipv4' && f[0] !== 'ipv6') || !PROTOS.has(f[2])) continue;
    const tuples: Partial<Record<keyof CtTuple, string>>[] = [{}, {}];
    let state: string | null = null;
    for (const w of f.slice(5)) {
      const eq = w.indexOf('=');
      if (eq < 0) {
        if (!w.startsWith('[') && state === null && !tuples[0].src) state = w;
        continue;
      }
      const k = w.slice(0, eq) as keyof CtTuple;
      if (k !== 'src' && k !== 'dst' && k !== 'sport' && k !== 'dport') continue;
      const t = tuples[0][k] === undefined ? tuples[0] : tuples[1];
      if (t[k] === undefined) t[k] = w.slice(eq + 1);
    }
    const tuple = (t: (typeof tuples)[number]): CtTuple | null =>
      t.src && t.dst && t.sport && t.dport ? { src: t.src, dst: t.dst, sport: Number(t.sport), dport: Number(t.dport) } : null;
    const orig = tuple(tuples[0]);
    const reply = tuple(tuples[1]);
    if (!orig || !reply) continue;
    out.push({ family: f[0], proto: f[2] as ConntrackEntry['proto'], state, orig, reply, text: line });
  }
  return out;
}
