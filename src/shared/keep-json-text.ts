// A frozen object its maker will answer again, marked so the helper's JSON
// writer keeps its text with it (helper/src/server/json-pieces.ts). A symbol:
// JSON leaves it out. Only what is answered again whole and is small beside
// the answer is marked (a cleanup plan's findings, cleanup/planned.ts), not
// every frozen object: host.inspect's rules' whole texts held ~7.6 MB of the
// helper's heap at 10,000 rules (docs/architecture.md, "Helper memory").
export const KEEP_JSON_TEXT: unique symbol = Symbol('keep its JSON text');
