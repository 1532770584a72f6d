import type { FirewallRule } from '../../../src/shared/inspect';

// The JSON text of an iptables rule as host.inspect answers it, made from the
// text of what its line says (docs/architecture.md, "Reading iptables-save").
// A rule line's matches object is shared by every rule read from that line,
// from one reading to the next (inspect/rule-memo.ts), so the text of
// everything up to its counters (`head`: id, place, text, matches, target)
// and after them (`tail`: comment, owner, mapping, engine object) is kept per
// line, beside that object: a reading where only counters changed (the GUI's
// refresh, a busy host) writes each rule as head + its two numbers + tail,
// with no JSON.stringify of its fields.
//
// The text is JSON.stringify's exactly: the fields in the order the parser
// makes them (checked for each new object: anything else, or a rule made
// elsewhere, is answered undefined and stringified by the caller as before).
const KEYS = ['id', 'family', 'source', 'table', 'chain', 'position', 'text', 'matches', 'target', 'targetArgs', 'packets', 'bytes', 'comment', 'owner', 'ownerEvidence', 'mapping'];

interface LineText {
  head: string; // `{"id":…,"targetArgs":{…},"packets":`, for these:
  id: string;
  position: number;
  chain: string;
  tail: string; // `,"comment":…}`, for these:
  owner: string;
  ownerEvidence: string;
  ownerObject: FirewallRule['ownerObject'];
  hasObject: boolean;
}

const lines = new WeakMap<object, LineText>(); // by the line's matches object

// The rule's text, or undefined for an object this does not know as a parsed iptables rule.
export function ruleJsonText(v: object): string | undefined {
  const r = v as FirewallRule;
  if (r.source !== 'iptables' || r.matches === null || typeof r.matches !== 'object') return undefined;
  const line = lines.get(r.matches);
  if (!hasRuleKeys(r)) return undefined;
  const hasObject = 'ownerObject' in r && r.ownerObject !== undefined;
  if (!line) {
    // a line not written before: JSON.stringify's text, kept cut around its counters
    const text = JSON.stringify(r);
    const cut = cutAtCounters(text);
    if (!cut) return text;
    lines.set(r.matches, {
      head: cut[0], id: r.id, position: r.position, chain: r.chain,
      tail: cut[1], owner: r.owner, ownerEvidence: r.ownerEvidence, ownerObject: r.ownerObject, hasObject,
    });
    return text;
  }
  if (line.id !== r.id || line.position !== r.position || line.chain !== r.chain) {
    line.head = head(r);
    line.id = r.id;
    line.position = r.position;
    line.chain = r.chain;
  }
  if (line.owner !== r.owner || line.ownerEvidence !== r.ownerEvidence || line.hasObject !== hasObject || line.ownerObject !== r.ownerObject) {
    line.tail = tail(r, hasObject);
    line.owner = r.owner;
    line.ownerEvidence = r.ownerEvidence;
    line.ownerObject = r.ownerObject;
    line.hasObject = hasObject;
  }
  return `${line.head}${r.packets},"bytes":${r.bytes}${line.tail}`;
}

// the parser's fields in its order (ownerObject, when there, after them: engine-names.ts adds it last)
function hasRuleKeys(r: FirewallRule): boolean {
  const keys = Object.keys(r);
  const n = keys.length;
  if (n !== KEYS.length && !(n === KEYS.length + 1 && keys[n - 1] === 'ownerObject')) return false;
  for (let i = 0; i < KEYS.length; i++) if (keys[i] !== KEYS[i]) return false;
  // numbers JSON writes as they print; no field JSON would leave out (undefined)
  return Number.isFinite(r.packets) && Number.isFinite(r.bytes) && r.comment !== undefined && r.mapping !== undefined && r.targetArgs !== undefined;
}

// A rule's text cut into what comes before its packets' number and after its bytes'. No
// string value has a bare quote (JSON escapes it), and nothing after the counters has a
// key "packets" (ownerObject's are kind, id, name): the last `,"packets":` is the rule's.
function cutAtCounters(text: string): [string, string] | null {
  const p = text.lastIndexOf(',"packets":');
  if (p < 0) return null;
  let i = p + 11;
  while (isDigit(text.charCodeAt(i))) i++;
  if (!text.startsWith(',"bytes":', i)) return null;
  i += 9;
  while (isDigit(text.charCodeAt(i))) i++;
  if (!text.startsWith(',"comment":', i)) return null;
  return [text.slice(0, p + 11), text.slice(i)];
}
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

// Each kept as one flat string (join): a string built by + is a tree of pieces, each one
// more object for the collector to copy as long as the line is kept.
const q = JSON.stringify;
const head = (r: FirewallRule) =>
  ['{"id":', q(r.id), ',"family":', q(r.family), ',"source":"iptables","table":', q(r.table), ',"chain":', q(r.chain), ',"position":', q(r.position),
    ',"text":', q(r.text), ',"matches":', q(r.matches), ',"target":', q(r.target), ',"targetArgs":', q(r.targetArgs), ',"packets":'].join('');
const tail = (r: FirewallRule, hasObject: boolean) =>
  [',"comment":', q(r.comment), ',"owner":', q(r.owner), ',"ownerEvidence":', q(r.ownerEvidence), ',"mapping":', q(r.mapping),
    hasObject ? `,"ownerObject":${q(r.ownerObject)}` : '', '}'].join('');
