import type { Locator, Page } from 'playwright-core';

export class CleanupPage {
  constructor(readonly page: Page) {}
  finding(text: string | RegExp): Locator {
    return this.page.locator('li.finding').filter({ hasText: text });
  }
  checkbox(text: string | RegExp): Locator {
    return this.finding(text).getByRole('checkbox');
  }
  summary(): Locator {
    return this.page.locator('.cleanup-summary');
  }
  applyButton(): Locator {
    return this.summary().getByRole('button', { name: /^Apply/ });
  }
  async preview(): Promise<Locator> {
    await this.summary().getByRole('button', { name: 'Preview' }).click();
    const d = this.page.getByRole('dialog', { name: 'Preview' });
    await d.waitFor();
    return d;
  }
  result(): Locator {
    return this.page.getByRole('status', { name: 'Cleanup result' });
  }
}
