// The MAC address Berth gives a link it makes (a network's bridge, an
// endpoint's host veth), computed from the link's name. The kernel ignores
// an alias on `ip link add`, so a link is tagged `berth:<id>` only by a
// second command: a helper killed between the two leaves a link with no tag.
// The address is set by the add itself, so it marks every link Berth made
// from its first instant, and a start after a crash removes the marked links
// no store record names (docs/decisions.md, State). A foreign link matches
// by chance with odds of 1 in 2^46.
//
// Two 32-bit FNV-1a hashes of the name with Berth's own prefixes; the first
// octet is locally administered and unicast (xxxxxx10).
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function berthLinkMac(name: string): string {
  const a = fnv1a(`berth-link-a:${name}`);
  const b = fnv1a(`berth-link-b:${name}`);
  const bytes = [(a >>> 24) & 0xfc | 0x02, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff, (b >>> 8) & 0xff, b & 0xff];
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

// Whether a link (name and MAC as `ip -j link` shows them) carries Berth's mark.
export const hasBerthMac = (name: string, mac: string | undefined | null) => !!mac && mac.toLowerCase() === berthLinkMac(name);
