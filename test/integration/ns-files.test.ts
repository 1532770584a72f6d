import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Step } from './ns-files-driver';
import { bundleForHost, TestHost } from './harness';

// The namespace files the root helper creates and removes (a container's
// /run/netns/NAME and its hostname's UTS file, kernel/sandbox-ns.ts): never
// created, truncated or unmounted through a symbolic link someone planted,
// a refusal in one line that leaves nothing behind, and a leftover of
// Berth's own (a crash between mount and record) replaced safely.
describe('namespace files (root file creation and removal)', () => {
  let h: TestHost;
  let driver: string;
  beforeEach(async () => {
    driver = await bundleForHost('test/integration/ns-files-driver.ts');
    h = await TestHost.create();
  });
  afterEach(async () => h?.destroy());

  const uts = () => `${h.dir}/data/uts`;
  const steps = (s: Step[]) => h.driveSteps<string>(driver, s);
  const mounts = async () => (await h.shOk(['cat', '/proc/self/mountinfo'])).split('\n').map((l) => l.split(' ')[4]);
  const hostnameIn = async (file: string) => (await h.shOk(['nsenter', `--uts=${file}`, 'hostname'])).trim();
  const victim = async () => {
    await h.shOk(['sh', '-c', `printf precious > ${h.dir}/victim && chmod 644 ${h.dir}/victim`]);
    return `${h.dir}/victim`;
  };
  const victimIntact = async (v: string) => {
    expect(await h.shOk(['cat', v])).toBe('precious');
    expect((await h.shOk(['stat', '-c', '%a %h', v])).trim()).toBe('644 1');
    expect(await mounts()).not.toContain(v);
  };

  it('makes both namespaces in one go and removes both, leaving nothing mounted', async () => {
    const file = `${uts()}/aaaaaaaaaaaa`;
    expect(await steps([{ prepare: uts() }, { create: { netns: 'berth-aaaaaaaaaaaa', uts: { file, hostname: 'web' } } }])).toEqual(['ok', 'ok']);
    expect(await hostnameIn(file)).toBe('web');
    expect(await mounts()).toContain('/run/netns/berth-aaaaaaaaaaaa');
    expect(await steps([{ delete: { netns: 'berth-aaaaaaaaaaaa', uts: file } }])).toEqual(['ok']);
    expect(await mounts()).not.toContain(file);
    expect((await h.shOk(['ls', '-A', uts(), '/run/netns'])).split('\n').filter((l) => l && !l.endsWith(':'))).toEqual([]);
  });

  it('a symlink planted at the UTS file: one line, nothing written through it, no network namespace left', async () => {
    const v = await victim();
    const file = `${uts()}/bbbbbbbbbbbb`;
    await steps([{ prepare: uts() }]);
    await h.shOk(['ln', '-s', v, file]);
    const r = await steps([{ create: { netns: 'berth-bbbbbbbbbbbb', uts: { file, hostname: 'web' } } }]);
    expect(r).toEqual([`cannot create ${file}: a symbolic link is there (the helper runs as root and never follows one; it is left as it is)`]);
    await victimIntact(v);
    expect((await h.shOk(['readlink', file])).trim()).toBe(v);
    expect((await h.shOk(['ls', '-A', '/run/netns'])).trim()).toBe('');
  });

  it('a symlink planted at /run/netns/NAME (a sticky directory others can write): one line, no UTS file left', async () => {
    const v = await victim();
    const file = `${uts()}/cccccccccccc`;
    await steps([{ prepare: uts() }]);
    await h.shOk(['ln', '-s', v, '/run/netns/berth-cccccccccccc']);
    const r = await steps([{ create: { netns: 'berth-cccccccccccc', uts: { file, hostname: 'web' } } }]);
    expect(r).toEqual(['cannot create /run/netns/berth-cccccccccccc: a symbolic link is there (the helper runs as root and never follows one; it is left as it is)']);
    await victimIntact(v);
    expect((await h.shOk(['ls', '-A', uts()])).trim()).toBe('');
  });

  it('removal never unmounts through a planted symlink: the link goes, the mount it points at stays', async () => {
    await h.shOk(['mkdir', `${h.dir}/elsewhere`]);
    await h.shOk(['mount', '-t', 'tmpfs', 'berth-victim', `${h.dir}/elsewhere`]);
    await steps([{ prepare: uts() }]);
    await h.shOk(['ln', '-s', `${h.dir}/elsewhere`, `${uts()}/dddddddddddd`]);
    await h.shOk(['ln', '-s', `${h.dir}/elsewhere`, '/run/netns/berth-dddddddddddd']);
    expect(await steps([{ deleteUts: `${uts()}/dddddddddddd` }, { delete: { netns: 'berth-dddddddddddd', uts: `${uts()}/dddddddddddd` } }])).toEqual(['ok', 'ok']);
    expect(await mounts()).toContain(`${h.dir}/elsewhere`);
    expect((await h.shOk(['ls', '-A', uts(), '/run/netns'])).split('\n').filter((l) => l && !l.endsWith(':'))).toEqual([]);
  });

  it('deleting a network namespace by name never unmounts through a symlink at the name (ip netns delete would)', async () => {
    await h.shOk(['mkdir', `${h.dir}/elsewhere`]);
    await h.shOk(['mount', '-t', 'tmpfs', 'berth-victim', `${h.dir}/elsewhere`]);
    await h.shOk(['ln', '-s', `${h.dir}/elsewhere`, '/run/netns/berth-gggggggggggg']);
    await h.shOk(['ip', 'netns', 'add', 'real']);
    expect(await steps([{ deleteNetns: 'berth-gggggggggggg' }, { deleteNetns: 'real' }, { deleteNetns: 'real' }, { deleteNetns: '../x' }])).toEqual([
      'false',
      'true',
      'false',
      'invalid network namespace name "../x"',
    ]);
    expect(await mounts()).toContain(`${h.dir}/elsewhere`);
    expect((await h.shOk(['ls', '-A', '/run/netns'])).trim()).toBe('');
  });

  it('a name read back from /run/netns that ip would take as an option is refused before ip runs: every namespace stays', async () => {
    await h.shOk(['ip', 'netns', 'add', 'real']);
    // `ip -all netns delete` deletes every namespace: a file named -all must never reach ip's argv
    await h.shOk(['touch', '/run/netns/-all', '/run/netns/-force']);
    expect(await steps([{ deleteNetns: '-all' }, { deleteNetns: '-force' }])).toEqual(['invalid network namespace name "-all"', 'invalid network namespace name "-force"']);
    expect((await h.shOk(['ls', '-A', '/run/netns'])).split('\n').filter(Boolean).sort()).toEqual(['-all', '-force', 'real']);
    expect(await mounts()).toContain('/run/netns/real');
  });

  it("a leftover UTS file of Berth's own (still mounted after a crash) is replaced, with the new hostname", async () => {
    const file = `${uts()}/eeeeeeeeeeee`;
    expect(await steps([{ prepare: uts() }, { create: { netns: 'berth-old', uts: { file, hostname: 'old' } } }])).toEqual(['ok', 'ok']);
    expect(await steps([{ create: { netns: 'berth-eeeeeeeeeeee', uts: { file, hostname: 'new' } } }])).toEqual(['ok']);
    expect(await hostnameIn(file)).toBe('new');
    expect((await mounts()).filter((m) => m === file)).toHaveLength(1);
  });

  it("the UTS directory's mount of itself is released only when no hostname is mounted in it, and a start takes it either way", async () => {
    const file = `${uts()}/hhhhhhhhhhhh`;
    expect(await steps([{ prepare: uts() }, { create: { netns: 'berth-hhhhhhhhhhhh', uts: { file, hostname: 'web' } } }, { release: uts() }])).toEqual(['ok', 'ok', 'in use']);
    // a running container's hostname stays where the next start finds it
    expect(await mounts()).toContain(uts());
    expect(await hostnameIn(file)).toBe('web');
    expect(await steps([{ prepare: uts() }, { delete: { netns: 'berth-hhhhhhhhhhhh', uts: file } }, { release: uts() }, { release: uts() }])).toEqual(['ok', 'ok', 'released', 'not mounted']);
    expect(await mounts()).not.toContain(uts());
    expect(await steps([{ prepare: uts() }, { create: { netns: 'berth-hhhhhhhhhhhh', uts: { file, hostname: 'again' } } }])).toEqual(['ok', 'ok']);
    expect((await mounts()).filter((m) => m === uts())).toHaveLength(1);
    expect(await hostnameIn(file)).toBe('again');
  });

  it('a UTS directory others can write is refused before any file is made', async () => {
    await h.shOk(['mkdir', '-p', '-m', '777', uts()]);
    await h.shOk(['chmod', '777', uts()]);
    const [r] = await steps([{ create: { netns: 'berth-ffffffffffff', uts: { file: `${uts()}/ffffffffffff`, hostname: 'web' } } }]);
    expect(r).toMatch(/^refusing UTS namespace directory .*writable by group or others \(mode 777\)/);
    expect(r.split('\n')).toHaveLength(1);
    expect((await h.shOk(['ls', '-A', uts(), '/run/netns'])).split('\n').filter((l) => l && !l.endsWith(':'))).toEqual([]);
  });
});
