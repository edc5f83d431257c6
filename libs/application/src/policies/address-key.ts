import ipaddr from 'ipaddr.js';

/** One spelling per address, as nmap reports them ("2001:DB8:0::1" → "2001:db8::1", IPv4-mapped → IPv4). */
export function addressKey(address: string): string {
  return ipaddr.isValid(address) ? ipaddr.process(address).toString() : address.toLowerCase();
}
