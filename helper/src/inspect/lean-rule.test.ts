import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FirewallRule } from '../../../src/shared/inspect';
import { iptablesSaveParser, readWhole, type Family } from './iptables-parse';
import { UNREAD } from './lean-rule';
import { ruleOwner, type LinkOwners } from './owner';

// A rule read lean says what the same line read whole says of its place,
// text, counters, target and comment, and its owner is the one the whole
// rule gets (owner.ts ruleOwner); a line the lean reader cannot read as the
// full one would is read whole. Over real saves and lines made to trip it.
const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');

// Lines made to trip a reader of words (fixtures/tricky.save): quotes, escapes, tabs, repeated
// and negated comments, a value of several words, a target with none, goto, user chains,
// trailing white space, a backslash at the line's end.
const TRICKY_SAVE = fixture('tricky.save');

const links: LinkOwners = { get: (name) => (name === 'virbr0' ? { owner: 'libvirt', evidence: 'link name virbr0' } : undefined) };

function read(text: string, family: Family, lean: boolean): FirewallRule[] {
  const p = iptablesSaveParser(family, undefined, undefined, false, lean);
  return [...p.push(text), ...p.end()];
}

// Lines of random words: options, values, quotes, escapes, `!`, tabs (seeded: the same every run)
function randomSave(n: number): string {
  let seed = 20261203;
  const rand = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % k);
  const words = ['-j', '-g', '--j', '--jump', '!', '-m', 'comment', '--comment', '-comment', '"a b"', '"berth:x"', 'berth:y', 'KUBE-X',
    'DOCKER', 'ACCEPT', 'RETURN', 'DNAT', 'MASQUERADE', '-i', 'docker0', '-o', 'virbr0', '\\"', 'x\\ y', '"', '-p', 'tcp', '""',
    'ufw-x', '"kubernetes"', '--to-destination', '1.2.3.4:80', '-s', '10.0.0.1/32', '-d', '"netavark"', 'libvirt\\'];
  const seps = [' ', ' ', ' ', '  ', '\t'];
  const chains = ['FORWARD', 'DOCKER-USER', 'BERTH-USER', 'KUBE-SVC-X', 'INPUT', 'POSTROUTING'];
  const lines = ['*nat'];
  for (let i = 0; i < n; i++) {
    let line = `-A ${chains[rand(chains.length)]}`;
    for (let k = rand(9); k > 0; k--) line += seps[rand(seps.length)] + words[rand(words.length)];
    lines.push(line);
  }
  return [...lines, 'COMMIT', ''].join('\n');
}

describe('lean rules', () => {
  const saves: [string, string, Family][] = [
    ['random words', randomSave(3000), 'ipv4'],
    ['docker20.save', fixture('docker20.save'), 'ipv4'],
    ['docker28.save', fixture('docker28.save'), 'ipv4'],
    ['others.save', fixture('others.save'), 'ipv4'],
    ['tricky', TRICKY_SAVE, 'ipv4'],
    ['tricky (ipv6)', TRICKY_SAVE, 'ipv6'],
  ];
  it.each(saves)('%s: a lean rule says what the whole rule says, and gets its owner', (_name, text, family) => {
    const whole = read(text, family, false);
    const lean = read(text, family, true);
    expect(lean.length).toBe(whole.length);
    let leanCount = 0;
    lean.forEach((l, i) => {
      const w = whole[i];
      if (l.matches !== UNREAD) {
        // read whole: the same rule
        expect(l).toEqual(w);
        return;
      }
      leanCount++;
      expect(l.targetArgs).toBe(UNREAD);
      const { matches: _m, targetArgs: _t, owner, ownerEvidence, ...said } = l;
      const { matches: _wm, targetArgs: _wt, owner: _o, ownerEvidence: _e, ...wholeSaid } = w;
      expect(said).toEqual(wholeSaid);
      expect(w.mapping).toBeNull();
      const v = ruleOwner(w, links);
      expect({ owner, ownerEvidence }).toEqual({ owner: v.owner, ownerEvidence: v.evidence });
      // read again whole (an engine's rule to be named): the whole rule, with its owner
      expect(readWhole(l)).toEqual({ ...w, owner, ownerEvidence });
    });
    expect(leanCount).toBeGreaterThan(0);
  });

  it('reads whole what it cannot read lean', () => {
    const lean = read(TRICKY_SAVE, 'ipv4', true);
    const byText = (t: string) => lean.find((r) => r.text === t)!;
    const whole = (t: string) => expect(byText(t).matches, t).not.toBe(UNREAD);
    const leanOne = (t: string) => expect(byText(t).matches, t).toBe(UNREAD);
    whole('-A FORWARD -o docker0 -j ACCEPT'); // owned by its interface
    whole('-A FORWARD -m comment --comment one -m comment --comment berth:two -j ACCEPT'); // comments joined
    whole('-A FORWARD -m comment --comment two words -j ACCEPT'); // a value of two words
    whole('-A FORWARD -p tcp -j ufw-user-input extra words');
    whole('-A FORWARD "-j" KUBE-SERVICES'); // an option in quotes
    whole('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE'); // a mapping
    whole('-A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080');
    leanOne('-A FORWARD -m comment --comment berth:0a1b2c -j ACCEPT');
    leanOne('-A FORWARD -m comment --comment "a \\"quoted\\" kubernetes rule" -j ACCEPT');
    leanOne('-A FORWARD -g DOCKER-ISOLATION-STAGE-1');
    leanOne('-A DOCKER-USER -s 10.0.0.0/8 -j DROP');
    leanOne('-A KUBE-FORWARD');
  });
});
