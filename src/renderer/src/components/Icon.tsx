// A small set of 16px line icons (inline SVG, so the CSP needs no image source).
const PATHS = {
  topology: 'M8 2.5v3M8 10.5v3M3.5 8h-1M13.5 8h-1M5.5 5.5 4 4M10.5 5.5 12 4M5.5 10.5 4 12M10.5 10.5 12 12M8 5.5a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5Z',
  networks: 'M2 4h12M2 8h12M2 12h12M5 2.5v11M11 2.5v11',
  containers: 'M2.5 4.5 8 2l5.5 2.5v7L8 14l-5.5-2.5v-7ZM2.5 4.5 8 7l5.5-2.5M8 7v7',
  ports: 'M2 8h4M10 8h4M6 5.5h4v5H6zM12 6l2 2-2 2',
  nat: 'M3 3h10v3H3zM3 10h10v3H3zM8 6v4M6 8l2 2 2-2',
  cleanup: 'M3 4h10M6 4V2.5h4V4M4.5 4l.7 9.5h5.6l.7-9.5M7 6.5v5M9 6.5v5',
  activity: 'M1.5 8h3l2-5 3 10 2-5h3',
  plus: 'M8 3v10M3 8h10',
  trash: 'M3 4h10M6 4V2.5h4V4M4.5 4l.7 9.5h5.6l.7-9.5',
  refresh: 'M13 8a5 5 0 1 1-1.5-3.5M13 2.5v3h-3',
  close: 'M4 4l8 8M12 4l-8 8',
  play: 'M5 3l8 5-8 5Z',
  stop: 'M4 4h8v8H4z',
  link: 'M7 9l2-2M5.5 7 4 8.5a2.1 2.1 0 0 0 3 3L8.5 10M10.5 9 12 7.5a2.1 2.1 0 0 0-3-3L7.5 6',
  unlink: 'M5.5 7 4 8.5a2.1 2.1 0 0 0 3 3L8.5 10M10.5 9 12 7.5a2.1 2.1 0 0 0-3-3L7.5 6M3 3l2 2M13 13l-2-2',
  logs: 'M3 2.5h10v11H3zM5.5 5.5h5M5.5 8h5M5.5 10.5h3',
  terminal: 'M2 3h12v10H2zM4.5 6l2 2-2 2M8 10.5h3.5',
  info: 'M8 7v4.5M8 4.5v.5M8 1.5a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13Z',
  warning: 'M8 2 14.5 13.5h-13ZM8 6.5v3.5M8 11.5v.5',
  error: 'M8 1.5a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13ZM5.5 5.5l5 5M10.5 5.5l-5 5',
  check: 'M3 8.5 6.5 12 13 4.5',
  prune: 'M2.5 13.5 9 7M9 7l1.5-4.5L14 6l-4.5 1.5M4 5.5 2.5 4M6 3.5 5.5 2',
  server: 'M2.5 3h11v4h-11zM2.5 9h11v4h-11zM5 5h.5M5 11h.5',
  shield: 'M8 1.5 13 3.5v4c0 3.2-2.2 5.6-5 7-2.8-1.4-5-3.8-5-7v-4Z',
  chip: 'M4.5 4.5h7v7h-7zM6.5 2v2.5M9.5 2v2.5M6.5 11.5V14M9.5 11.5V14M2 6.5h2.5M2 9.5h2.5M11.5 6.5H14M11.5 9.5H14',
  anchor: 'M8 5v9M8 5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3ZM5 7.5h6M2.5 9.5c0 2.5 2.5 4.5 5.5 4.5s5.5-2 5.5-4.5',
  chevronLeft: 'M10 3.5 5.5 8l4.5 4.5',
  chevronRight: 'M6 3.5 10.5 8 6 12.5',
  external: 'M9 2.5h4.5V7M13.5 2.5 7.5 8.5M11.5 9.5v4h-9v-9h4',
  search: 'M7 2.5a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9ZM10.5 10.5 14 14',
} as const;
export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 16, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={className ? `icon ${className}` : 'icon'}
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.4}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
