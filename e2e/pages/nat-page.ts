import type { Locator, Page } from 'playwright-core';

export class NatPage {
  constructor(readonly page: Page) {}
  table(): Locator {
    return this.page.getByRole('table', { name: 'Firewall rules' });
  }
  scroller(): Locator {
    return this.page.getByTestId('nat-scroll');
  }
  count(): Locator {
    return this.page.getByRole('search', { name: 'Filter rules' }).locator('.toolbar-count');
  }
  async search(text: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: 'Search rules' }).fill(text);
  }
  async filter(name: 'Table' | 'Owner' | 'Family', value: string): Promise<void> {
    await this.page.getByRole('combobox', { name, exact: true }).selectOption(value);
  }
  async clearFilters(): Promise<void> {
    await this.page.getByRole('button', { name: 'Clear filters' }).click();
  }
  rows(): Locator {
    return this.table().locator('[role="row"][data-rule-id]');
  }
  row(id: string): Locator {
    return this.table().locator(`[role="row"][data-rule-id="${id}"]`);
  }
  hitRow(): Locator {
    return this.table().locator('[role="row"].hit');
  }
  async toggleRaw(): Promise<void> {
    await this.page.getByRole('button', { name: /Raw view|Table view/ }).click();
  }
  raw(): Locator {
    return this.page.getByLabel('Raw rules (iptables-save)');
  }
  tracer(): Locator {
    return this.page.getByRole('form', { name: 'Trace a packet' });
  }
  async trace(p: { ip: string; port: string; proto?: string; from?: 'outside' | 'host' }): Promise<Locator> {
    const f = this.tracer();
    await f.getByLabel('Host IP').fill(p.ip);
    await f.getByLabel('Port').fill(p.port);
    if (p.proto) await f.getByLabel('Protocol').selectOption(p.proto);
    if (p.from) await f.getByLabel('Sent from').selectOption(p.from);
    await f.getByRole('button', { name: 'Trace' }).click();
    return this.page.locator('.trace-result');
  }
}
