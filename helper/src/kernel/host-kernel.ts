import { deleteLinks, ipBatch, linkExists, listAddrs, listLinks, listRoutes } from './links';
import { listNetns } from './netns';
import { isAlive, procStartTime } from './process';
import { ensureSysctl, readSysctl, setIfSysctl6 } from './sysctl';

// The kernel calls behind the engine's network decisions (create and remove
// a network, connect and disconnect a sandbox) as one object, the way
// netavark hands its drivers a netlink socket: the engine gets it in its
// constructor and passes it to the drivers. helper-main.ts gives it the
// host's; root-free tests a recording fake (helper/src/testing/
// recording-kernel.ts) that answers from memory and lists what was asked.
export interface Kernel {
  ipBatch: typeof ipBatch; // `ip -batch` lines, in the helper's namespace or a sandbox's
  listLinks: typeof listLinks;
  listAddrs: typeof listAddrs;
  listRoutes: typeof listRoutes;
  linkExists: typeof linkExists;
  deleteLinks: typeof deleteLinks;
  readSysctl: typeof readSysctl;
  ensureSysctl: typeof ensureSysctl;
  setIfSysctl6: typeof setIfSysctl6;
  listNetns: typeof listNetns;
  procStartTime: typeof procStartTime;
  isAlive: typeof isAlive;
}

export const hostKernel: Kernel = {
  ipBatch,
  listLinks,
  listAddrs,
  listRoutes,
  linkExists,
  deleteLinks,
  readSysctl,
  ensureSysctl,
  setIfSysctl6,
  listNetns,
  procStartTime,
  isAlive,
};
