import { z } from 'zod';
import { tryParseAddr, tryParseCidr } from './ip';

// Docker's rule for network and container names.
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const Name = z
  .string()
  .min(1, 'name is empty')
  .max(64, 'name is longer than 64 characters')
  .regex(NAME_RE, 'invalid name: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');

export const isIPv4 = (s: string) => tryParseAddr(s)?.v6 === false;
export const IPv4 = z.string().refine(isIPv4, { message: 'not an IPv4 address' });
export const isCIDRv4 = (s: string) => tryParseCidr(s)?.v6 === false;
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
