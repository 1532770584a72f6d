import type { Locator, Page } from 'playwright-core';

export class ContainersPage {
  constructor(readonly page: Page) {}
  table(): Locator {
    return this.page.getByRole('table', { name: 'Berth containers' });
  }
  row(name: string): Locator {
    return this.table().locator(`tr[data-name="${name}"]`);
  }
  // the highlighted row (aria-selected): the container whose logs are open
  selectedRow(): Locator {
    return this.table().locator('tbody tr[aria-selected="true"]');
  }
  async run(opts: { name: string; command: string; network: string; ports?: string }): Promise<void> {
    await this.page.getByRole('button', { name: 'Run container' }).first().click();
    const d = this.page.getByRole('dialog', { name: 'Run container' });
    await d.getByLabel('Name', { exact: true }).fill(opts.name);
    await d.getByLabel('Network', { exact: true }).selectOption(opts.network);
    await d.getByLabel('Command', { exact: true }).fill(opts.command);
    if (opts.ports) await d.getByLabel('Published ports', { exact: true }).fill(opts.ports);
    await d.getByRole('button', { name: 'Run', exact: true }).click();
    await d.waitFor({ state: 'detached', timeout: 60_000 });
    await this.row(opts.name).waitFor();
  }
  async connect(name: string, network: string): Promise<void> {
    await this.page.getByRole('button', { name: `Connect ${name} to a network` }).click();
    const d = this.page.getByRole('dialog', { name: `Connect ${name}` });
    await d.getByLabel('Network', { exact: true }).selectOption(network);
    await d.getByRole('button', { name: 'Connect', exact: true }).click();
    await d.waitFor({ state: 'detached', timeout: 30_000 });
  }
  async disconnect(name: string, network: string): Promise<void> {
    await this.page.getByRole('button', { name: `Disconnect ${name} from a network` }).click();
    const d = this.page.getByRole('dialog', { name: `Disconnect ${name}` });
    await d.getByLabel('Network', { exact: true }).selectOption(network);
    await d.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await d.waitFor({ state: 'detached', timeout: 30_000 });
  }
  async networksOf(name: string): Promise<string> {
    return (await this.row(name).getByRole('list', { name: `Networks of ${name}` }).textContent()) ?? '';
  }
  async openLogs(name: string): Promise<Locator> {
    await this.page.getByRole('button', { name: `Logs of ${name}` }).click();
    const panel = this.page.getByRole('complementary', { name: `Logs of ${name}` });
    await panel.waitFor();
    return panel;
  }
  async remove(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Remove ${name}`, exact: true }).click();
    const d = this.page.getByRole('dialog', { name: `Remove container ${name}?` });
    await d.getByRole('button', { name: /Remove container|Stop and remove/ }).click();
    await d.waitFor({ state: 'detached', timeout: 60_000 });
    await this.row(name).waitFor({ state: 'detached' });
  }
}
