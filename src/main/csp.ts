// The renderer's Content-Security-Policy (no electron import: the build
// config puts it in index.html as a meta tag too).
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // xterm.js (the exec terminal) writes its measured cell sizes and colours into
  // <style> elements; styles cannot run code, and script-src stays 'self'
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');
