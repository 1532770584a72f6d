import { describe, expect, it } from 'vitest';
import { ExecParams, RunParams } from './container';

const issues = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.success ? [] : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('run and exec parameters', () => {
  it('refuse a NUL byte in an argument, a variable or the directory: the kernel takes C strings', () => {
    expect(issues(RunParams.safeParse({ cmd: ['sh', '-c', 'echo \0'] }))).toEqual(['cmd.2: contains a NUL byte, which a program cannot be given']);
    expect(issues(RunParams.safeParse({ cmd: ['true'], env: ['A=\0'] }))).toEqual(['env.0: contains a NUL byte, which a program cannot be given']);
    expect(issues(ExecParams.safeParse({ name: 'web', cmd: ['true'], workdir: '/tmp\0x' }))).toEqual(['workdir: contains a NUL byte, which a program cannot be given']);
  });
  it("refuse a relative working directory with Docker's words", () => {
    expect(issues(RunParams.safeParse({ cmd: ['true'], workdir: '../../etc' }))).toEqual(["workdir: the working directory '../../etc' is invalid, it needs to be an absolute path"]);
    expect(issues(ExecParams.safeParse({ name: 'web', cmd: ['true'], workdir: 'etc' }))).toEqual(["workdir: the working directory 'etc' is invalid, it needs to be an absolute path"]);
    expect(RunParams.safeParse({ cmd: ['true'], workdir: '/srv/app' }).success).toBe(true);
  });
});
