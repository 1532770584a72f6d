export { parseIptablesSave, ruleSpec, type Family } from './iptables-parse';
export { parseNftRuleset, type NftTableSummary } from './nft-parse';
export { decodeNat, dnatTarget } from './nat-decode';
export { buildHostInspect, classifyRules, linkOwnerMap, parseRules } from './build';
export { ruleOwner, linkNameOwner, chainOwner, netnsOwner, nftTableOwner } from './owner';
