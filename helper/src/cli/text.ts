// Small text helpers every verb may use (no template engine behind them).
export const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
export const json = (o: unknown) => JSON.stringify(o, null, 4);
