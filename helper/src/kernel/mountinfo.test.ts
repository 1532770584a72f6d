import { describe, expect, it } from 'vitest';
import { mountAt } from './mountinfo';

describe('mountAt', () => {
  it('finds the root mount and nothing where nothing is mounted', () => {
    expect(mountAt('/')).not.toBeNull();
    expect(mountAt('/proc')).not.toBeNull();
    expect(mountAt('/no/such/berth/mount')).toBeNull();
  });
});
