// Building blocks for a realistic mess of other owners' objects, shared by
// the cleanup tests; `sh` runs one command line wherever the test wants.
export function messBuilders(sh: (line: string) => Promise<unknown>) {
  return {
    async bridge(name: string, cidr: string) {
      await sh(`ip link add ${name} type bridge`);
      if (cidr) await sh(`ip addr add ${cidr} dev ${name}`);
      await sh(`ip link set ${name} up`);
    },
    // a namespace behind a veth on `br`, as another engine's container
    async foreignContainer(ns: string, veth: string, br: string, cidr: string) {
      await sh(`ip netns add ${ns}`);
      await sh(`ip -n ${ns} link set lo up`);
      await sh(`ip link add ${veth} type veth peer name eth0 netns ${ns}`);
      await sh(`ip link set ${veth} master ${br} up`);
      await sh(`ip -n ${ns} addr add ${cidr} dev eth0`);
      await sh(`ip -n ${ns} link set eth0 up`);
    },
  };
}
