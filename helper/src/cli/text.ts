// Small text helpers every verb may use (no template engine behind them).
export { truncate } from '../../../src/shared/text-table';
export const json = (o: unknown) => JSON.stringify(o, null, 4);
