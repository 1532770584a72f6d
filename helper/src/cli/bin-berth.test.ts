import { execFileSync } from 'node:child_process';
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
});
