import { z } from 'zod';

// Docker's rule for network and container names.
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const Name = z
  .string()
  .min(1, 'name is empty')
  .max(64, 'name is longer than 64 characters')
  .regex(NAME_RE, 'invalid name: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const isIPv4 = (s: string) => IPV4_RE.test(s);
export const IPv4 = z.string().refine(isIPv4, { message: 'not an IPv4 address' });
export const isCIDRv4 = (s: string) => {
  const [ip, len, ...rest] = s.split('/');
  if (rest.length || len === undefined || !/^\d{1,2}$/.test(len)) return false;
  return isIPv4(ip) && Number(len) <= 32;
};
export const CIDRv4 = z.string().refine(isCIDRv4, { message: 'not an IPv4 CIDR (like 10.1.0.0/24)' });

// Linux interface names: at most 15 bytes, no slash, colon or white space.
export const IfName = z
  .string()
  .min(1)
  .max(15, 'interface name longer than 15 characters')
  .regex(/^[a-zA-Z0-9_.-]+$/, 'invalid interface name');

// A name that ends up in a container's resolv.conf or hosts (aliases, search domains): one word.
export const DnsName = z.string().regex(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,252}$/, 'not a valid DNS name');

export const Labels = z.record(z.string().max(256), z.string().max(4096));
