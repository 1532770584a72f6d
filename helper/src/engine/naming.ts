import { randomBytes } from 'node:crypto';

// Names and ids as Docker makes them (docs/docker-behaviour.md, "Names and ids").
export const newId = () => randomBytes(32).toString('hex');
export const shortId = (id: string) => id.slice(0, 12);
export const bridgeName = (netId: string) => `br-${shortId(netId)}`;
export const vethName = () => `veth${randomBytes(4).toString('hex').slice(0, 7)}`;
export const sandboxNetns = (containerId: string) => `berth-${shortId(containerId)}`;
export const DEFAULT_BRIDGE = 'berth0';
export const LINK_ALIAS_PREFIX = 'berth:';
export const linkAlias = (ownerId: string) => `${LINK_ALIAS_PREFIX}${shortId(ownerId)}`;

// Random locally administered unicast MAC, as Docker 28 does.
export function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0] & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

const ADJ = ['brave', 'calm', 'eager', 'fervent', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nifty', 'proud', 'quirky', 'sharp', 'tender', 'vivid', 'witty', 'zen'];
const NOUN = ['ampere', 'babbage', 'curie', 'darwin', 'euler', 'fermi', 'gauss', 'hopper', 'knuth', 'lovelace', 'noether', 'pascal', 'ritchie', 'shannon', 'turing', 'volta', 'wozniak', 'yonath'];
export function randomName(taken: (n: string) => boolean): string {
  for (;;) {
    const b = randomBytes(3);
    const n = `${ADJ[b[0] % ADJ.length]}_${NOUN[b[1] % NOUN.length]}`;
    if (!taken(n)) return n;
    const m = `${n}${b[2] % 10}`;
    if (!taken(m)) return m;
  }
}
