import { deleteLinks, ipBatch, linkExists, listAddrs, listLinks, listRoutes } from './links';
import { linksLeaving, linksReaped, reapLinks } from './link-reaper';
import { deleteNetns, listNetns } from './netns';
import { nftTableNames } from './nft';
import { childrenOf, isAlive, procStartTime, signalGroup, signalProcess, userOf } from './process';
import { commandLineView, resolveExecutable } from './reachable';
import { connectAttach, prepareShim, readExit, startShim } from './shim';
import { createSandboxNs, deleteSandboxNs } from './sandbox-ns';
import { ensureSysctl, readSysctl, setIfSysctl6 } from './sysctl';
import { deleteUts, listUts, releaseUtsDir } from './uts';

// The kernel calls behind the engine's decisions as one object, the way
// netavark hands its drivers a netlink socket: the engine gets it in its
// constructor and passes it to the drivers. helper-main.ts gives it the
// host's; root-free tests a recording fake (helper/src/testing/
// recording-kernel.ts) that answers from memory and lists what was asked.
// Network create/remove, connect/disconnect, a container's run, start,
// stop, kill and removal, restore at start-up and system reset reach the
// kernel only through it.
export interface Kernel {
  // links, addresses, routes
  ipBatch: typeof ipBatch; // `ip -batch` lines, in the helper's namespace or a sandbox's
  listLinks: typeof listLinks;
  listAddrs: typeof listAddrs;
  listRoutes: typeof listRoutes;
  linkExists: typeof linkExists;
  deleteLinks: typeof deleteLinks;
  reapLinks: typeof reapLinks; // unplug now, delete off the operation's path (link-reaper.ts)
  linksReaped: typeof linksReaped; // before a link is made under a name still being deleted
  linksLeaving: typeof linksLeaving; // what cleanup takes as Berth's own on its way out
  readSysctl: typeof readSysctl;
  ensureSysctl: typeof ensureSysctl;
  setIfSysctl6: typeof setIfSysctl6;
  // a container's sandbox: its network namespace and its hostname's (UTS) namespace file
  listNetns: typeof listNetns;
  deleteNetns: typeof deleteNetns;
  deleteUts: typeof deleteUts;
  createSandboxNs: typeof createSandboxNs; // a container's netns and UTS namespace, in one program (the one way to make either)
  deleteSandboxNs: typeof deleteSandboxNs; // both of a container's namespace files, in one program
  listUts: typeof listUts;
  releaseUtsDir: typeof releaseUtsDir;
  // a container's process: started by its shim, watched, signalled
  startShim: typeof startShim;
  prepareShim: typeof prepareShim; // the next run's shim, started ahead
  readExit: typeof readExit;
  connectAttach: typeof connectAttach; // run -i/-t: the shim's input socket
  procStartTime: typeof procStartTime;
  isAlive: typeof isAlive;
  childrenOf: typeof childrenOf;
  signalGroup: typeof signalGroup;
  signalProcess: typeof signalProcess;
  userOf: typeof userOf;
  resolveExecutable: typeof resolveExecutable;
  commandLineView: typeof commandLineView; // where run's pre-check may look for the container's user
  // the nft tables there were before Berth wrote any (restore records them for system reset)
  nftTableNames: typeof nftTableNames;
}

export const hostKernel: Kernel = {
  ipBatch,
  listLinks,
  listAddrs,
  listRoutes,
  linkExists,
  deleteLinks,
  reapLinks,
  linksReaped,
  linksLeaving,
  readSysctl,
  ensureSysctl,
  setIfSysctl6,
  listNetns,
  deleteNetns,
  deleteUts,
  createSandboxNs,
  deleteSandboxNs,
  listUts,
  releaseUtsDir,
  startShim,
  prepareShim,
  readExit,
  connectAttach,
  procStartTime,
  isAlive,
  childrenOf,
  signalGroup,
  signalProcess,
  userOf,
  resolveExecutable,
  commandLineView,
  nftTableNames,
};
