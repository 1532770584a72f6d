import { describe, expect, it } from 'vitest';
import type { Container } from '../../../src/shared/container';
import type { Network } from '../../../src/shared/network';
import { UsageError } from './command';
import { containerFormat, networkFormat } from './contexts';
import { filterContainers, filterNetworks, NETWORK_FILTERS, parseFilters, PS_FILTERS } from './filters';
import { renderList, tabwrite } from './format';

// Objects named and shaped as in Docker's documentation of `docker ps` and
// `docker network ls` (--format, --filter), so the expected strings are the
// ones the docs print.
const NOW = Date.parse('2026-01-01T12:00:00Z');
const ctr = (o: { id: string; name: string; cmd: string[]; status?: 'running' | 'exited'; exit?: number; labels?: Record<string, string>; nets?: Record<string, string> }): Container => ({
  Id: o.id.padEnd(64, '0'),
  Name: `/${o.name}`,
  Created: '2026-01-01T11:55:00Z',
  Path: o.cmd[0],
  Args: o.cmd.slice(1),
  State: { Status: o.status ?? 'running', Running: o.status !== 'exited', Pid: 1, ExitCode: o.exit ?? 0, StartedAt: '2026-01-01T11:55:00Z', FinishedAt: '2026-01-01T11:58:00Z', Error: '' },
  Config: { Hostname: o.id.slice(0, 12), Cmd: o.cmd, Env: [], User: '1000', WorkingDir: '/', ExposedPorts: {}, Labels: o.labels ?? {} },
  HostConfig: { NetworkMode: 'bridge', PortBindings: {}, PublishAllPorts: false, AutoRemove: false },
  NetworkSettings: {
    SandboxKey: '',
    Ports: {},
    Networks: Object.fromEntries(Object.entries(o.nets ?? { bridge: 'b1' }).map(([n, id]) => [n, { NetworkID: id, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '', InterfaceName: '', IPAMConfig: null }])),
  },
  LogPath: '',
});
const containers = [
  ctr({ id: 'a87ecb4f327c', name: 'nostalgic_stallman', cmd: ['top'], labels: { color: 'blue' }, nets: { net1: '8c2f5c5a7d0e' } }),
  ctr({ id: '01946d9d34d8', name: 'vigilant_mclean_1', cmd: ['python3', '-m', 'http.server', '8000'], labels: { color: 'red' } }),
  ctr({ id: 'c1d3b0166030', name: 'peaceful_albattani', cmd: ['sh'], status: 'exited', exit: 137 }),
];
const net = (id: string, name: string, driver: 'bridge' | 'host' | 'null', labels: Record<string, string> = {}): Network => ({
  Name: name, Id: id.padEnd(64, 'f'), Created: '2026-01-01T10:00:00Z', Scope: 'local', Driver: driver, EnableIPv4: true, EnableIPv6: false,
  IPAM: { Driver: 'default', Options: {}, Config: driver === 'bridge' ? [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }] : [] },
  Internal: false, Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: {}, Options: {}, Labels: labels,
});
const networks = [
  net('afaaab448eb2', 'bridge', 'bridge'),
  net('d1584f8dc718', 'host', 'host'),
  net('391df270dc66', 'none', 'null'),
  net('63d1ff1f77b0', 'dev', 'bridge', { usage: 'prod' }),
];
const ps = (format?: string, cs = containers) => renderList(cs, format, containerFormat({ trunc: true, now: NOW }));
const nls = (format?: string, ns = networks) => renderList(ns, format, networkFormat({ trunc: true }));

describe('--format (docker ps / docker network ls)', () => {
  it("the docs' plain templates", () => {
    expect(ps('{{.ID}}: {{.Command}}')).toEqual(['a87ecb4f327c: "top"', '01946d9d34d8: "python3 -m http.ser…"', 'c1d3b0166030: "sh"']);
    expect(nls('{{.ID}}: {{.Driver}}')).toEqual(['afaaab448eb2: bridge', 'd1584f8dc718: host', '391df270dc66: null', '63d1ff1f77b0: bridge']);
    expect(ps('{{.Names}} {{.Label "color"}} {{.Status}}')).toEqual([
      'nostalgic_stallman blue Up 5 minutes', 'vigilant_mclean_1 red Up 5 minutes', 'peaceful_albattani  Exited (137) 2 minutes ago',
    ]);
  });

  it('table TEMPLATE: column titles and tabwriter alignment (minwidth 10, padding 3)', () => {
    expect(ps('table {{.ID}}\\t{{.Labels}}', containers.slice(0, 1))).toEqual(['CONTAINER ID   LABELS', 'a87ecb4f327c   color=blue']);
    expect(nls('table {{.ID}}\\t{{.Name}}\\t{{upper .Driver}}', networks.slice(0, 2))).toEqual([
      'NETWORK ID     NAME      DRIVER', 'afaaab448eb2   bridge    BRIDGE', 'd1584f8dc718   host      HOST',
    ]);
    // no rows: the header alone, as `docker ps` on an empty host
    expect(ps(undefined, [])).toEqual(['CONTAINER ID   COMMAND   CREATED   STATUS    PORTS     NETWORKS   NAMES']);
    expect(tabwrite(['a\tbb', 'ccccccccccccc\td'])).toEqual(["a               bb", "ccccccccccccc   d"]);
  });

  it('json: one object per line with the context fields', () => {
    const [line] = nls('json', networks.slice(3));
    expect(JSON.parse(line)).toEqual({
      CreatedAt: '2026-01-01 10:00:00 +0000 UTC', Driver: 'bridge', ID: '63d1ff1f77b0', IPv4: 'true', IPv6: 'false', Internal: 'false',
      Labels: 'usage=prod', Name: 'dev', Scope: 'local', Subnet: '172.17.0.0/16', Gateway: '172.17.0.1',
    });
    expect(JSON.parse(ps('json')[0])).toMatchObject({ ID: 'a87ecb4f327c', Names: 'nostalgic_stallman', State: 'running', Command: '"top"', Networks: 'net1' });
  });

  it('--no-trunc prints full IDs and commands', () => {
    const [row] = renderList(containers.slice(1, 2), '{{.ID}} {{.Command}}', containerFormat({ trunc: false }));
    expect(row).toBe(`${'01946d9d34d8'.padEnd(64, '0')} "python3 -m http.server 8000"`);
  });

  it('an invalid template or field is an error', () => {
    expect(() => ps('{{.Names')).toThrow(UsageError);
    expect(() => ps('{{.Image}}')).toThrow(/can't evaluate field Image/);
  });
});

describe('--filter', () => {
  const names = (cs: Container[]) => cs.map((c) => c.Name.slice(1));
  const psf = (...f: string[]) => names(filterContainers(containers, parseFilters(f, PS_FILTERS)));
  const nlsf = (...f: string[]) => filterNetworks(networks, parseFilters(f, NETWORK_FILTERS)).map((n) => n.Name);

  it("ps: the docs' examples", () => {
    expect(psf('name=nostalgic_stallman')).toEqual(['nostalgic_stallman']);
    expect(psf('name=nostalgic')).toEqual(['nostalgic_stallman']); // part of a name
    expect(psf('name=^/vigilant_mclean_1$')).toEqual(['vigilant_mclean_1']);
    expect(psf('label=color')).toEqual(['nostalgic_stallman', 'vigilant_mclean_1']);
    expect(psf('label=color=blue')).toEqual(['nostalgic_stallman']);
    expect(psf('status=exited')).toEqual(['peaceful_albattani']);
    expect(psf('exited=137')).toEqual(['peaceful_albattani']);
    expect(psf('network=net1')).toEqual(['nostalgic_stallman']);
    expect(psf('network=8c2f5c5a7d0e')).toEqual(['nostalgic_stallman']);
    expect(psf('id=01946d9d34d8')).toEqual(['vigilant_mclean_1']);
    // one key's values OR'ed, different keys AND'ed
    expect(psf('name=nostalgic', 'name=peaceful')).toEqual(['nostalgic_stallman', 'peaceful_albattani']);
    expect(psf('label=color', 'network=bridge')).toEqual(['vigilant_mclean_1']);
  });

  it("network ls: the docs' examples", () => {
    expect(nlsf('driver=bridge')).toEqual(['bridge', 'dev']);
    expect(nlsf('type=custom')).toEqual(['dev']);
    expect(nlsf('type=builtin')).toEqual(['bridge', 'host', 'none']);
    expect(nlsf('label=usage')).toEqual(['dev']);
    expect(nlsf('label=usage=prod')).toEqual(['dev']);
    expect(nlsf('name=de')).toEqual(['dev']);
    expect(nlsf('id=63d1ff1f77b0')).toEqual(['dev']);
  });

  it('bad filters are errors', () => {
    expect(() => psf('bogus=1')).toThrow("invalid filter 'bogus'");
    expect(() => psf('nameonly')).toThrow(/bad format of filter/);
    expect(() => psf('status=sleeping')).toThrow("invalid filter 'status=sleeping'");
    expect(() => nlsf('type=other')).toThrow(/invalid filter/);
  });
});
