// The --filter keys each listing takes (cli/filters.ts applies them).
export const PS_FILTERS = ['id', 'name', 'label', 'network', 'status', 'exited'];
export const NETWORK_FILTERS = ['id', 'name', 'label', 'driver', 'scope', 'type'];
