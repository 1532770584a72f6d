import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from './file-store';
import { emptyState, type NetworkRecord, type State } from './state';

let dir: string;
let store: FileStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-store-'));
  store = new FileStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// written before IPv6: no enableIPv4/enableIPv6/extraPools (the schema's defaults fill them in)
const net = (name: string, id = 'a'.repeat(64)): NetworkRecord => ({
  id, name, driver: 'bridge', created: '2026-01-01T00:00:00Z', predefined: false, bridge: `br-${id.slice(0, 12)}`,
  subnet: '10.1.0.0/24', gateway: '10.1.0.1', auxAddresses: {}, userSubnet: true, userGateway: false,
  internal: false, icc: true, masquerade: true, mtu: 0, options: {}, labels: {},
}) as NetworkRecord;
const withNet = (name: string): State => ({ ...emptyState(), networks: { ['a'.repeat(64)]: net(name) } });

describe('FileStore.load', () => {
  it('a missing file is an empty store', () => {
    expect(store.read()).toEqual({ state: emptyState(), exists: false });
  });

  it('reads back what it saved; a record from before IPv6 loads as IPv4-only, nothing lost', () => {
    store.save(withNet('red'));
    const loaded = store.load();
    const want = withNet('red');
    const id = 'a'.repeat(64);
    want.networks[id] = { ...want.networks[id], enableIPv4: true, enableIPv6: false, extraPools: [] };
    expect(loaded).toEqual(want);
    store.save(loaded);
    expect(store.load()).toEqual(want);
  });

  it.each([
    ['{}', /state\.json is unusable: version: /],
    ['[]', /state\.json is unusable: .*expected object/],
    ['null', /state\.json is unusable/],
    ['', /the file is empty/],
    ['{"version":1,"networks":{', /not valid JSON/],
    ['{"version":9,"networks":{},"containers":{},"foreign":{}}', /version 9, written by a newer Berth/],
  ])('refuses %j, naming the file and the way back', (text, reason) => {
    store.save(withNet('red'));
    store.save(withNet('blue')); // state.json.bak: red
    writeFileSync(store.path, text);
    expect(() => store.load()).toThrow(reason);
    expect(() => store.load()).toThrow(`${dir}/state.json`);
    expect(() => store.load()).toThrow(`cp ${dir}/state.json.bak ${dir}/state.json`);
    expect(() => store.load()).toThrow(/berth helper --reset/);
  });

  it('without a previous version, says so', () => {
    writeFileSync(store.path, '{}');
    expect(() => store.load()).toThrow(`There is no previous version (${dir}/state.json.bak) to restore; to start empty with: berth helper --reset`);
  });

  it('refuses a record whose fields would reach the kernel unchecked', () => {
    const s = withNet('red');
    s.networks['a'.repeat(64)].bridge = 'br0; reboot';
    writeFileSync(store.path, JSON.stringify(s));
    expect(() => store.load()).toThrow(/networks\.a{64}\.bridge: not an interface name/);
  });

  it('refuses a record stored under another id', () => {
    writeFileSync(store.path, JSON.stringify({ ...emptyState(), networks: { ['b'.repeat(64)]: net('red') } }));
    expect(() => store.load()).toThrow(/is stored under key/);
  });
});

describe('FileStore.save', () => {
  it('keeps the previous version as state.json.bak', () => {
    store.save(withNet('red'));
    expect(existsSync(store.backupPath)).toBe(false);
    store.save(withNet('blue'));
    expect(JSON.parse(readFileSync(store.backupPath, 'utf8')).networks['a'.repeat(64)].name).toBe('red');
    expect(store.load().networks['a'.repeat(64)].name).toBe('blue');
  });

  it('never writes through a symlink planted at the temp name', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, `${store.path}.tmp`);
    store.save(withNet('red'));
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(store.path).isFile()).toBe(true);
  });

  it('a staged state is not the store until it is saved; a save of another state writes that one', () => {
    store.save(withNet('red'));
    store.stage(withNet('blue'));
    expect(store.load().networks['a'.repeat(64)].name).toBe('red'); // a failed operation or a crash now: still red
    store.save(withNet('blue'));
    expect(store.load().networks['a'.repeat(64)].name).toBe('blue');
    expect(existsSync(`${store.path}.tmp`)).toBe(false);
    store.stage(withNet('green'));
    store.save(withNet('white')); // the operation changed its draft after staging
    expect(store.load().networks['a'.repeat(64)].name).toBe('white');
    expect(JSON.parse(readFileSync(store.backupPath, 'utf8')).networks['a'.repeat(64)].name).toBe('blue');
  });

  it('--reset sets an unusable file aside instead of deleting it', () => {
    writeFileSync(store.path, '{}');
    const aside = store.setAside()!;
    expect(readFileSync(aside, 'utf8')).toBe('{}');
    expect(store.read().exists).toBe(false);
  });
});

describe('FileStore.lock', () => {
  it('a second store on the same data root is refused and told who holds it', () => {
    store.lock('pid 42\nsocket /tmp/x.sock\n');
    expect(() => new FileStore(dir).lock('pid 43')).toThrow(`another Berth helper is using data root ${dir} (pid 42, socket /tmp/x.sock)`);
    store.unlock();
    const again = new FileStore(dir);
    again.lock('pid 44');
    again.unlock();
  });
});
