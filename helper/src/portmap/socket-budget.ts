import { readdirSync, readFileSync } from 'node:fs';
import { invalid } from '../../../src/shared/errors';

// Every published TCP or UDP host port is a socket the helper holds
// (reservation.ts), one per address (0.0.0.0 and [::] for a default one). A
// range of thousands of ports past the helper's limit of open files bound
// socket after socket until EMFILE, then undid them all (1000-60000, 59,001
// ports under a limit of 20,000: seven minutes, then "too many open files");
// it is refused up front instead, naming the limit. Descriptors are kept back for clients,
// the programs' pipes, the store and containers' shims.
const KEPT_BACK = 512;
// below this many sockets a request is not checked: an EMFILE there fails as fast
const CHECKED_FROM = 256;

export interface FdFacts {
  limit: number | null; // the soft limit of open files (null: unlimited or unknown)
  open: number;
}

function fdFacts(): FdFacts {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return { limit: m && m[1] !== 'unlimited' ? Number(m[1]) : null, open: readdirSync('/proc/self/fd').length };
}

// Throws invalid_argument when `sockets` more would not fit under the limit.
export function checkSocketBudget(sockets: number, facts: () => FdFacts = fdFacts): void {
  if (sockets < CHECKED_FROM) return;
  let f: FdFacts;
  try {
    f = facts();
  } catch {
    return; // no /proc to read: the binds say it (EMFILE)
  }
  if (f.limit === null) return;
  const room = Math.max(0, f.limit - f.open - KEPT_BACK);
  if (sockets <= room) return;
  throw invalid(
    `publishing these ports takes ${sockets} host sockets, and the helper can open ${room} more (its limit of open files is ${f.limit}): publish fewer ports, or raise the helper's limit (LimitNOFILE)`,
  );
}
