import { describe, expect, it } from 'vitest';
import type { HostInspect } from '../../../src/shared/inspect';
import { Liveness } from './liveness';

type Link = { name: string; kind: string; master: string | null; addresses: string[] };
const host = (links: Link[]) => ({ links, netns: [], routes: [], errors: [] }) as unknown as HostInspect;
const lo: Link = { name: 'lo', kind: 'loopback', master: null, addresses: ['127.0.0.1/8'] };
const cni0: Link = { name: 'cni0', kind: 'bridge', master: null, addresses: ['10.244.0.1/24'] };

describe('Liveness: what a rule of another owner than a container tool points at', () => {
  it('is gone only by a container bridge subnet no namespace holds an address in', () => {
    const live = new Liveness(host([lo, cni0]));
    expect(live.addressGone('10.244.0.7', 'kubernetes')).toBe('10.244.0.7 is on bridge cni0 (10.244.0.0/24) and no namespace holds it');
    expect(live.subnetGone('10.244.0.7/32', 'kubernetes')).toBe('10.244.0.7 is on bridge cni0 (10.244.0.0/24) and no namespace holds it');
    expect(live.subnetGone('10.96.0.10/32', 'kubernetes')).toBeNull();
    expect(live.addressGone('10.96.0.10', 'ufw')).toBeNull();
  });

  it('is never gone on a host with no container bridge; a container tool rule still is', () => {
    const live = new Liveness(host([lo]));
    expect(live.addressGone('10.244.0.7', 'kubernetes')).toBeNull();
    expect(live.subnetGone('10.244.0.0/24', 'ufw')).toBeNull();
    expect(live.addressGone('172.17.0.2', 'docker')).toBe("172.17.0.2 is in docker's address pool 172.17.0.0/16, where the host has no bridge and no route");
    expect(live.subnetGone('172.17.0.2/32', 'docker')).toBe("172.17.0.2 is in docker's address pool 172.17.0.0/16, where the host has no bridge and no route");
  });
});

describe('Liveness: one address written as a prefix', () => {
  it('judges a /32 or /128 as that address, and any other prefix as a subnet', () => {
    const br6: Link = { name: 'br6', kind: 'bridge', master: null, addresses: ['fd00:71::1/64', '2001:db8::1/32'] };
    const live = new Liveness(host([lo, cni0, br6]));
    expect(live.subnetGone('fd00:71::2/128', 'docker')).toBe(live.addressGone('fd00:71::2', 'docker'));
    expect(live.subnetGone('fd00:71::2/128', 'docker')).toMatch(/^fd00:71::2 is on bridge br6/);
    // an IPv6 /32 is a subnet (the bridge holds an address in it), an IPv4 /128 no prefix at all
    expect(live.subnetGone('2001:db8::/32', 'docker')).toBeNull();
    expect(live.subnetGone('10.244.0.7/128', 'docker')).toBeNull();
    expect(live.subnetGone('10.244.0.1/32', 'docker')).toBeNull(); // the bridge's own
    expect(live.subnetGone('not-an-ip/32', 'docker')).toBeNull();
  });
});
