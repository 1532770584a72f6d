// --format and --filter, loaded by the verbs that print listings or objects
// (a chunk of its own: other verbs start without the template engine).
export { containerFormat, networkFormat, portFormat } from './contexts';
export { filterContainers, filterNetworks, parseFilters } from './filters';
export { renderList, renderObjects } from './format';
