// Names of named network namespaces (files in /run/netns), as Berth accepts
// them from a client and from the filesystem before any reaches a program:
// letters, digits, '_', '.', '-', never starting with '-' (it would be an
// option to `ip`) or '.' ('.', '..', hidden files), at most 64 characters,
// and no space or newline (an `ip -batch` line splits on whitespace).
// Anything else found in /run/netns is shown, never acted on
// (docs/decisions.md, "Root boundary").
export const NETNS_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

// A Berth container's own: berth-<first 12 hex digits of its id> (engine/naming.ts).
export const BERTH_NETNS_RE = /^berth-[0-9a-f]{12}$/;
