/** nmap XML of up hosts with open TCP ports (`[port, service name]`), as `nmap -sV -oX -` writes it. */
export function openPortsXml(
  hosts: { addr: string; ports: [number, string][] }[],
  start = 1790000000,
): string {
  return `<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sV -oX - ${hosts.map((h) => h.addr).join(' ')}" start="${start}" version="7.93" xmloutputversion="1.05">
${hosts
  .map(
    (h) =>
      `<host><status state="up" reason="syn-ack"/><address addr="${h.addr}" addrtype="ipv4"/><ports>${h.ports
        .map(
          ([port, name]) =>
            `<port protocol="tcp" portid="${port}"><state state="open" reason="syn-ack"/><service name="${name}" method="probed" conf="10"/></port>`,
        )
        .join('')}</ports></host>`,
  )
  .join('\n')}
<runstats><finished time="${start + 10}" exit="success"/><hosts up="${hosts.length}" down="0" total="${hosts.length}"/></runstats>
</nmaprun>
`;
}
