import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// bin/berth is what users run, one Node start per command: it drops
// NODE_EXTRA_CA_CERTS (Node 20 reads that file at every start; Berth never
// speaks TLS). A file Node cannot load makes Node warn at start, so a warning
// here means the variable reached Node.
const bin = fileURLToPath(new URL('../../../bin/berth', import.meta.url));

describe('bin/berth', () => {
  it('starts Node without NODE_EXTRA_CA_CERTS', () => {
    const r = execFileSync('sh', ['-c', `"${bin}" version 2>&1`], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/berth-test-ca.pem' } });
    expect(r).toMatch(/^berth \d+\.\d+\.\d+\n$/);
  });

  // it finds dist/ beside itself without readlink unless the script itself is a link (npm link)
  it('runs from a link to it, from a linked directory and from its own directory', () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-bin-'));
    try {
      symlinkSync(bin, join(d, 'berth'));
      symlinkSync(dirname(dirname(bin)), join(d, 'clone'));
      const run = (cmd: string, cwd?: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', cwd });
      expect(run(`"${join(d, 'berth')}" version`)).toMatch(/^berth \d+\.\d+\.\d+\n$/);
      expect(run(`"${join(d, 'clone/bin/berth')}" version`)).toMatch(/^berth \d+\.\d+\.\d+\n$/);
      expect(run('sh berth version', dirname(bin))).toMatch(/^berth \d+\.\d+\.\d+\n$/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
