import type { Kernel } from '../../kernel/host-kernel';
import type { NetworkRecord } from '../../store/state';
import { bridgeDriver } from './bridge-driver';
import type { NetworkDriver } from './driver';
import { hostDriver, nullDriver } from './null-driver';

// The drivers on one kernel (the engine makes them once, in its constructor).
export type Drivers = Record<NetworkRecord['driver'], NetworkDriver>;
export const makeDrivers = (k: Kernel): Drivers => ({ bridge: bridgeDriver(k), host: hostDriver, null: nullDriver });
export type { NetworkDriver };
