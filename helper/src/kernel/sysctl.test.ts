import { describe, expect, it } from 'vitest';
import { ensureSysctl, readSysctl } from './sysctl';

describe('sysctl keys', () => {
  it.each(['..', 'net..ipv4', 'net/ipv4/ip_forward', '../../etc/shadow', 'net.ipv4.ip_forward\n', 'ip_forward'])('refuses %j before any file is read or written', async (key) => {
    await expect(readSysctl(key)).rejects.toThrow(`bad sysctl key ${JSON.stringify(key)}`);
    await expect(ensureSysctl(key, '1')).rejects.toThrow(/bad sysctl key/);
  });

  it('reads a real key', async () => {
    expect(await readSysctl('net.ipv4.ip_forward')).toMatch(/^[01]$/);
  });
});
