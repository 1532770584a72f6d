export {
  Ipam,
  MSG_ADDRESS_IN_USE,
  MSG_POOL_OVERLAP,
  MSG_POOLS_EXHAUSTED,
  MSG_STATIC_IP_NEEDS_USER_SUBNET,
  type NetworkPool,
  type PoolRequest,
  type SubnetCheck,
  type SubnetOverlap,
} from './ipam';
export { DEFAULT_POOLS, type PoolSpec } from './pools';
export * from './cidr';
