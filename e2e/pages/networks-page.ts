import type { Locator, Page } from 'playwright-core';

export class NetworksPage {
  constructor(readonly page: Page) {}
  table(): Locator {
    return this.page.getByRole('table', { name: 'Networks' });
  }
  row(name: string): Locator {
    return this.table().getByRole('row').filter({ has: this.page.getByRole('button', { name: `Show details of network ${name}`, exact: true }) });
  }
  // the highlighted row (aria-selected), e.g. after arriving from the Topology view
  selectedRow(): Locator {
    return this.table().locator('tbody tr[aria-selected="true"]');
  }
  async names(): Promise<string[]> {
    if (!(await this.table().isVisible())) return [];
    const buttons = await this.table().getByRole('button', { name: /^Show details of network / }).allTextContents();
    return buttons.map((s) => s.trim());
  }
  async openCreate(): Promise<CreateNetworkDialog> {
    await this.page.getByRole('button', { name: 'Create network' }).first().click();
    const d = new CreateNetworkDialog(this.page);
    await d.root().waitFor();
    return d;
  }
  async details(name: string): Promise<Locator> {
    await this.page.getByRole('button', { name: `Show details of network ${name}`, exact: true }).click();
    const panel = this.page.getByRole('complementary', { name: `Network ${name}` });
    await panel.waitFor();
    return panel;
  }
  async remove(name: string): Promise<void> {
    await this.row(name).getByRole('button', { name: `Remove network ${name}` }).click();
    const d = this.page.getByRole('dialog', { name: `Remove network ${name}?` });
    await d.getByRole('button', { name: 'Remove network' }).click();
    await d.waitFor({ state: 'detached', timeout: 30_000 });
    await this.row(name).waitFor({ state: 'detached' });
  }
}

export class CreateNetworkDialog {
  constructor(readonly page: Page) {}
  root(): Locator {
    return this.page.getByRole('dialog', { name: 'Create network' });
  }
  async fill(fields: { name?: string; subnet?: string; gateway?: string; ipRange?: string; mtu?: string; labels?: string }): Promise<void> {
    const d = this.root();
    if (fields.name !== undefined) await d.getByLabel('Name', { exact: true }).fill(fields.name);
    if (fields.subnet !== undefined) await d.getByLabel('Subnet', { exact: true }).fill(fields.subnet);
    if (fields.gateway !== undefined) await d.getByLabel('Gateway', { exact: true }).fill(fields.gateway);
    if (fields.ipRange !== undefined) await d.getByLabel('IP range', { exact: true }).fill(fields.ipRange);
    if (fields.mtu !== undefined) await d.getByLabel('MTU', { exact: true }).fill(fields.mtu);
    if (fields.labels !== undefined) await d.getByLabel('Labels', { exact: true }).fill(fields.labels);
  }
  // the IPv6 part (docs/ipv6.md): the switch, then its fields; ipv4 false makes an IPv6-only network
  async fillIpv6(fields: { subnet6?: string; gateway6?: string; ipv4?: boolean }): Promise<void> {
    const d = this.root();
    const sw = d.getByRole('switch', { name: /^IPv6/ });
    if (!(await sw.isChecked())) await sw.check();
    if (fields.subnet6 !== undefined) await d.getByLabel('IPv6 subnet', { exact: true }).fill(fields.subnet6);
    if (fields.gateway6 !== undefined) await d.getByLabel('IPv6 gateway', { exact: true }).fill(fields.gateway6);
    if (fields.ipv4 === false) await d.getByRole('switch', { name: /^IPv4/ }).uncheck();
  }
  async subnetError(): Promise<string> {
    const alert = this.root().locator('.field-msg-error');
    await alert.first().waitFor({ timeout: 60_000 });
    return (await alert.first().textContent()) ?? '';
  }
  createButton(): Locator {
    return this.root().getByRole('button', { name: 'Create', exact: true });
  }
  async submit(): Promise<void> {
    await this.createButton().click();
    await this.root().waitFor({ state: 'detached', timeout: 30_000 });
  }
  async cancel(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.root().waitFor({ state: 'detached' });
  }
}
