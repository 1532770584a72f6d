import { createHost, importTs, sleep } from './lib/host.mjs';
const { connectHelper } = await importTs("export { connectHelper } from './helper/src/client/unix-client';");
const host = await createHost();
try {
  host.plant(10000);
  const c = await host.startHelper(connectHelper);
  await sleep(8000);
  const c0 = host.cpuMs();
  for (let i = 0; i < 20; i++) await c.call(process.env.METHOD ?? 'host.inspect', {});
  console.log('cpu per call', (host.cpuMs() - c0) / 20);
  c.close();
} finally { await host.destroy(); }
