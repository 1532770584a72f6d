import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostOriginals } from './host-originals';

const base = mkdtempSync(join(tmpdir(), 'berth-originals-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('HostOriginals (root writes it, reset reads it back)', () => {
  it('is saved through a fresh temp file: a symlink planted at the temp name is replaced, not followed', () => {
    const dir = mkdtempSync(join(base, 'root-'));
    const victim = join(base, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(dir, 'host-originals.json.tmp'));
    new HostOriginals(dir).recordSysctl('net.ipv4.ip_forward', '0');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(dir, 'host-originals.json')).mode & 0o777).toBe(0o600);
    expect(new HostOriginals(dir).get().sysctls).toEqual({ 'net.ipv4.ip_forward': '0' });
  });

  it.each([
    ['a sysctl key that leaves /proc/sys', { sysctls: { '..': '1' } }],
    ['a value with a newline', { sysctls: { 'net.ipv4.ip_forward': '0\n1' } }],
    ['a policy that is not one word', { sysctls: {}, forwardPolicy: 'ACCEPT\n-A FORWARD -j ACCEPT' }],
  ])('refuses %s on load: knows nothing, so reset puts nothing back', (_, data) => {
    const dir = mkdtempSync(join(base, 'bad-'));
    writeFileSync(join(dir, 'host-originals.json'), JSON.stringify(data));
    expect(new HostOriginals(dir).get()).toEqual({ sysctls: {} });
  });
});
