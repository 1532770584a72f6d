import { afterAll, beforeAll } from 'vitest';

// jsdom lays nothing out and does not scroll: give the virtualized tables'
// scroll boxes (data-testid ending in -scroll) a height, and let scrollTo
// move scrollTop and tell the listeners. Call at the top of a test file.
export function fakeScrollLayout(): void {
  const isBox = (el: Element) => (el as HTMLElement).dataset?.testid?.endsWith('-scroll') ?? false;
  beforeAll(() => {
    Object.defineProperties(HTMLElement.prototype, {
      clientHeight: { configurable: true, get(this: HTMLElement) { return isBox(this) ? 400 : 0; } },
      scrollHeight: { configurable: true, get(this: HTMLElement) { return isBox(this) ? 100_000 : 0; } },
    });
    Element.prototype.scrollTo = function (this: Element, opts?: ScrollToOptions | number) {
      if (typeof opts === 'object' && opts.top !== undefined) this.scrollTop = opts.top;
      this.dispatchEvent(new Event('scroll'));
    } as Element['scrollTo'];
  });
  afterAll(() => {
    delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
    delete (HTMLElement.prototype as { scrollHeight?: number }).scrollHeight;
    delete (Element.prototype as { scrollTo?: unknown }).scrollTo;
  });
}
