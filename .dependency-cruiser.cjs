// The layering rules of docs/architecture.md, checked by `npm run lint:layers`
// (part of `npm run typecheck`, so CI fails when a change crosses a layer).
// Layers import only downward:
//
//   helper-main.ts, ui-main.ts          entry points: wire everything together
//   cli/  webui/  server/               above the engine (cli and webui talk to the helper through client/)
//   engine/   cleanup/   inspect/       the engine, and beside it host inspection and cleanup
//   drivers (engine/drivers/), firewall/, ipam/, portmap/, store/, dns/
//   kernel/                             the only code that runs programs
//   src/shared/                         pure: the contract, addresses
const H = '^helper/src';
// Tests may reach across layers to set up what they check; production code may not.
const TESTS = ['\\.test\\.tsx?$', '^helper/src/testing/'];

// Every folder of helper/src/ has its place above; a new one is placed here first.
const PLACED = 'kernel|engine|cleanup|inspect|firewall|ipam|portmap|store|dns|server|client|cli|webui|testing';

const forbidden = [
  {
    name: 'every-folder-placed',
    comment: `A folder under helper/src/ that the layering rules do not name is unchecked: give it its layer in this file (${PLACED}).`,
    severity: 'error',
    from: { path: `${H}/(?!(${PLACED})/)[^/]+/` },
    to: {},
  },
  {
    name: 'only-kernel-spawns',
    comment: 'Only helper/src/kernel/ starts programs (execa, child_process); everything else asks it.',
    severity: 'error',
    from: { pathNot: [`${H}/kernel/`, '^src/main/', '^scripts/', '^bench/', '^test/', '^e2e/', '\\.test\\.tsx?$', '^helper/src/testing/'] },
    to: { path: ['^node_modules/execa/', '^child_process$', '^node:child_process$'] },
  },
  {
    name: 'kernel-is-the-bottom',
    comment: 'kernel/ is a thin adapter over programs and /proc: it knows no Berth layer above it.',
    severity: 'error',
    from: { path: `${H}/kernel/`, pathNot: TESTS },
    to: { path: `${H}/(engine|cleanup|inspect|firewall|ipam|portmap|store|dns|server|client|cli|webui)/` },
  },
  {
    name: 'below-the-engine',
    comment:
      'drivers, firewall, ipam, portmap, store and dns sit under the engine and never import it (drivers use only its pure naming.ts and sandbox-ref.ts), cleanup/inspect, or anything above.',
    severity: 'error',
    from: { path: [`${H}/(firewall|ipam|portmap|store|dns)/`, `${H}/engine/drivers/`], pathNot: TESTS },
    to: { path: [`${H}/engine/(?!drivers/|naming\\.ts$|sandbox-ref\\.ts$)`, `${H}/(cleanup|inspect|server|client|cli|webui)/`] },
  },
  {
    name: 'firewall-and-portmap-apart',
    comment: 'firewall/ renders rules (published ports included); portmap/ binds host ports. Neither imports the other.',
    severity: 'error',
    from: { path: `${H}/(firewall|portmap)/`, pathNot: TESTS },
    to: { path: `${H}/(firewall|portmap)/`, pathNot: `${H}/$1/` },
  },
  {
    name: 'ipam-store-alone',
    comment: 'ipam/ and store/ are leaves: addresses and persistence know no firewall, ports or drivers.',
    severity: 'error',
    from: { path: `${H}/(ipam|store)/`, pathNot: TESTS },
    to: { path: `${H}/(firewall|portmap|engine)/` },
  },
  {
    name: 'cleanup-inspect-beside-engine',
    comment: 'cleanup/ and inspect/ read the host beside the engine: they get what Berth owns from the server, never import the engine.',
    severity: 'error',
    from: { path: `${H}/(cleanup|inspect)/`, pathNot: TESTS },
    to: { path: `${H}/(engine|server|client|cli|webui)/` },
  },
  {
    name: 'engine-not-above',
    comment: 'The engine is used by the server; it imports nothing above it, nor cleanup/inspect beside it.',
    severity: 'error',
    from: { path: `${H}/engine/`, pathNot: TESTS },
    to: { path: `${H}/(cleanup|inspect|server|client|cli|webui)/` },
  },
  {
    name: 'server-through-the-engine',
    comment: 'server/ reaches the kernel through the engine (the one exception: the root-safe file primitives its socket and token need), and never imports client/ or cli/.',
    severity: 'error',
    from: { path: `${H}/server/`, pathNot: TESTS },
    to: { path: [`${H}/kernel/(?!safe-files)`, `${H}/(client|cli|webui)/`] },
  },
  {
    name: 'clients-through-the-socket',
    comment: 'cli/, webui/ and client/ run as the user and reach the engine only over the socket.',
    severity: 'error',
    from: { path: `${H}/(cli|webui|client)/`, pathNot: TESTS },
    to: { path: `${H}/(kernel|engine|cleanup|inspect|server|store|ipam|dns|firewall/(?!flag-values))/` },
  },
  {
    name: 'engine-decisions-through-the-kernel-object',
    comment:
      'Network create/remove, connect/disconnect (and the drivers under them), a container\'s run/start/stop/kill/rm, restore, system reset and the leftovers check reach the kernel only through the Kernel object the engine is given (kernel/host-kernel.ts), so root-free tests run them on a recording fake. Types may be imported; json-log.ts only names the log files.',
    severity: 'error',
    from: {
      path: [`${H}/engine/drivers/`, `${H}/engine/(engine|networks|endpoints|connect|host-routes|containers|sandbox-lifecycle|restore|reset|leftovers|release|system-info)\\.ts$`],
      pathNot: TESTS,
    },
    to: { path: `${H}/kernel/`, pathNot: `${H}/kernel/(host-kernel|json-log)\\.ts$`, dependencyTypesNot: ['type-only'] },
  },
  {
    name: 'engine-behind-the-store-interface',
    comment: 'The engine sees persistence only as store/store.ts (load, save): helper-main.ts gives it the FileStore, root-free tests a MemoryStore.',
    severity: 'error',
    from: { path: [`${H}/engine/`, `${H}/server/`], pathNot: TESTS },
    to: { path: `${H}/store/(file|memory)-store\\.ts$` },
  },
  {
    name: 'shared-is-pure',
    comment: 'src/shared/ (the contract and the address module) imports nothing of Berth outside itself.',
    severity: 'error',
    from: { path: '^src/shared/', pathNot: TESTS },
    to: { path: ['^helper/', '^src/(main|preload|renderer)/'] },
  },
  {
    name: 'renderer-shared-only',
    comment: 'The renderer imports only src/shared and the preload\'s types; it talks to the helper through the typed API.',
    severity: 'error',
    from: { path: '^src/renderer/', pathNot: TESTS },
    to: { path: ['^helper/', '^src/main/', '^src/preload/(?!.*\\.d\\.ts$)'] },
  },
  {
    name: 'main-preload-apart',
    comment: 'Electron main and preload import neither each other nor the renderer.',
    severity: 'error',
    from: { path: '^src/(main|preload)/' },
    // the bridge's declared types (preload/*.d.ts) are the one typed API main implements
    to: { path: '^src/(main|preload|renderer)/', pathNot: ['^src/$1/', '^src/preload/[^/]+\\.d\\.ts$'] },
  },
  {
    name: 'helper-not-the-app',
    comment: 'The helper knows nothing of the Electron app.',
    severity: 'error',
    from: { path: '^helper/' },
    to: { path: '^src/(main|preload|renderer)/' },
  },
  {
    name: 'tests-stay-tests',
    comment: 'Production code never imports test code or test support.',
    severity: 'error',
    from: { path: ['^helper/src/', '^src/'], pathNot: ['\\.test\\.tsx?$', '^helper/src/testing/', '^src/renderer/src/test-'] },
    to: { path: ['\\.test\\.tsx?$', '^helper/src/testing/', '^src/renderer/src/test-', '^test/', '^e2e/'] },
  },
];

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(out|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.helper.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs'] },
  },
};
