import { describe, expect, it } from 'vitest';
import { isPortUrl, portUrl } from './port-url';

describe('portUrl', () => {
  it('reaches wildcard bindings on loopback and brackets IPv6', () => {
    expect(portUrl('', 8080)).toBe('http://127.0.0.1:8080/');
    expect(portUrl('0.0.0.0', '8080')).toBe('http://127.0.0.1:8080/');
    expect(portUrl('::', 8080)).toBe('http://[::1]:8080/');
    expect(portUrl('127.0.0.1', 6000)).toBe('http://127.0.0.1:6000/');
    expect(portUrl('fd00::5', 80)).toBe('http://[fd00::5]/');
  });
});

describe('isPortUrl', () => {
  it('accepts what portUrl builds', () => {
    for (const u of [portUrl('', 8080), portUrl('::', 1), portUrl('10.0.0.1', 65535), 'http://localhost:3000/', portUrl('', 80)]) expect(isPortUrl(u)).toBe(true);
  });
  it('refuses every other scheme, host, path or shape', () => {
    for (const u of [
      'https://127.0.0.1:8080/', 'file:///etc/passwd', 'javascript:alert(1)', 'http://example.com:80/', 
      'http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/?a=1', 'http://127.0.0.1:8080/#x', 'http://u:p@127.0.0.1:8080/',
      'http://127.0.0.1:0/', 'http://127.0.0.1:8080', 'http://127.0.0.1:80/', 'smb://127.0.0.1:445/', 42, null,
    ]) expect(isPortUrl(u), String(u)).toBe(false);
  });
});
