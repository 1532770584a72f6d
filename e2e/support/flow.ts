import { expect } from 'vitest';
import type { BerthApp } from '../pages/app-page';

export interface CycleHooks {
  // checks of the real kernel/CLI at each stage (the real-helper test passes them)
  afterCreate?(nets: { a: string; b: string }): Promise<void>;
  afterRun?(names: { c1: string; c2: string }): Promise<void>;
  afterConnect?(): Promise<void>;
  afterRemove?(): Promise<void>;
}

// The whole create / run / connect / remove cycle, as a user clicks it.
export async function fullCycle(app: BerthApp, p: { prefix: string; subnetA: string; subnetB: string; shots: string }, hooks: CycleHooks = {}) {
  const netA = `${p.prefix}-front`;
  const netB = `${p.prefix}-back`;
  const c1 = `${p.prefix}-web`;
  const c2 = `${p.prefix}-db`;

  let networks = await app.networks();
  await app.shot(`${p.shots}-01-networks-initial`);

  // an invalid subnet: the error shows as the user types and nothing is created
  const before = await networks.names();
  let dialog = await networks.openCreate();
  await dialog.fill({ name: netA, subnet: '10.300.0.0/24' });
  expect(await dialog.subnetError()).toMatch(/subnet|CIDR|invalid/i);
  expect(await dialog.createButton().isDisabled()).toBe(true);
  await app.shot(`${p.shots}-02-create-invalid-subnet`);
  await dialog.createButton().click({ force: true }).catch(() => {});
  await dialog.cancel();
  expect(await networks.names()).toEqual(before);

  // a valid one
  dialog = await networks.openCreate();
  await dialog.fill({ name: netA, subnet: p.subnetA, labels: 'e2e=true' });
  await dialog.root().getByText('Free to use.').waitFor({ timeout: 60_000 });
  await app.shot(`${p.shots}-03-create-valid`);
  await dialog.submit();
  await networks.row(netA).waitFor();
  dialog = await networks.openCreate();
  await dialog.fill({ name: netB, subnet: p.subnetB });
  await dialog.root().getByText('Free to use.').waitFor({ timeout: 60_000 });
  await dialog.submit();
  await networks.row(netB).waitFor();
  expect(await networks.row(netA).textContent()).toContain(p.subnetA);
  const details = await networks.details(netA);
  expect(await details.getByLabel(`Inspect JSON of network ${netA}`).textContent()).toContain(`"Name": "${netA}"`);
  await app.shot(`${p.shots}-04-networks-details`);
  await hooks.afterCreate?.({ a: netA, b: netB });

  // two containers on the first network
  const containers = await app.containers();
  await app.shot(`${p.shots}-05-containers-empty`);
  await containers.run({ name: c1, command: 'sleep 300', network: netA });
  await containers.run({ name: c2, command: "sh -c 'echo ready; sleep 300'", network: netA });
  expect(await containers.networksOf(c1)).toContain(netA);
  expect(await containers.networksOf(c2)).toContain(netA);
  await hooks.afterRun?.({ c1, c2 });

  // connect one to the second network
  await containers.connect(c1, netB);
  await expect.poll(() => containers.networksOf(c1), { timeout: 60_000 }).toContain(netB);
  await hooks.afterConnect?.();
  const logs = await containers.openLogs(c2);
  await expect.poll(async () => (await logs.textContent()) ?? '', { timeout: 60_000 }).toContain('ready');
  await app.shot(`${p.shots}-06-containers-running`);

  networks = await app.networks();
  await expect.poll(async () => (await networks.row(netA).locator('td.num').textContent())?.trim(), { timeout: 60_000 }).toBe('2');
  await app.shot(`${p.shots}-07-networks-with-containers`);

  // removing a network in use is refused with the helper's message, in the dialog
  await networks.row(netA).getByRole('button', { name: `Remove network ${netA}` }).click();
  const refuse = app.page.getByRole('dialog', { name: `Remove network ${netA}?` });
  await refuse.getByRole('button', { name: 'Remove network' }).click();
  await refuse.getByRole('alert').waitFor({ timeout: 60_000 });
  await app.shot(`${p.shots}-08-remove-in-use-refused`);
  await app.page.keyboard.press('Escape');
  await refuse.waitFor({ state: 'detached' });

  // remove everything
  const c = await app.containers();
  await c.remove(c1);
  await c.remove(c2);
  networks = await app.networks();
  await networks.remove(netA);
  await networks.remove(netB);
  await app.shot(`${p.shots}-09-networks-after-remove`);
  expect(await networks.names()).not.toContain(netA);
  await hooks.afterRemove?.();

  const activity = await app.activityText();
  expect(activity).toContain(`network ${netA} created`);
  expect(activity).toContain(`network ${netB} removed`);
  await app.shot(`${p.shots}-10-activity`);
}
