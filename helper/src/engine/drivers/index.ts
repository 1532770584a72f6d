import type { NetworkRecord } from '../../store/state';
import { bridgeDriver } from './bridge-driver';
import type { NetworkDriver } from './driver';
import { hostDriver, nullDriver } from './null-driver';

const DRIVERS: Record<NetworkRecord['driver'], NetworkDriver> = { bridge: bridgeDriver, host: hostDriver, null: nullDriver };
export const driverFor = (net: NetworkRecord): NetworkDriver => DRIVERS[net.driver];
export type { NetworkDriver };
