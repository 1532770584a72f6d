// The component tests' async queries (findBy*, waitFor) give up after 1 s by
// default: too short when jsdom renders on a loaded 2-core machine. They
// return as soon as the condition holds, so a long bound costs nothing.
if ('document' in globalThis) {
  const { configure } = await import('@testing-library/dom');
  configure({ asyncUtilTimeout: 60_000 });
}
export {};
