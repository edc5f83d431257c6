/**
 * Small nmap XML documents in the shapes nmap 7.x writes, for the parser's, the scanner's and the
 * writer's tests (written for them, never copied from a corpus).
 */

/** `nmap -sS -oX -` with one scaninfo and the given runstats. */
export const PARSER_RUNSTATS = `<runstats><finished time="1700000100" timestr="x" summary="done" elapsed="100.00" exit="success"/><hosts up="1" down="0" total="1"/></runstats>`;

export function parserDocument(body: string, runstats = PARSER_RUNSTATS): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<!-- Nmap 7.93 scan initiated -->
<nmaprun scanner="nmap" args="nmap -sS -oX - -iL -" start="1700000000" startstr="x" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="1" services="22"/>
${body}
${runstats}
</nmaprun>
`;
}

/** 192.0.2.10 (web.example.test) up, with the given `<port>` elements and anything after `<ports>`. */
export function parserHost(ports: string, extra = ''): string {
  return `<host starttime="1700000000" endtime="1700000060"><status state="up" reason="syn-ack" reason_ttl="64"/>
<address addr="192.0.2.10" addrtype="ipv4"/>
<hostnames><hostname name="web.example.test" type="PTR"/></hostnames>
<ports>${ports}</ports>${extra}
</host>`;
}

const SCANNER_HEAD = `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n<?xml-stylesheet href="file:///usr/share/nmap/nmap.xsl" type="text/xsl"?>\n<!-- Nmap 7.93 scan -->\n`;
const SCANNER_RUN = `<nmaprun scanner="nmap" args="nmap -sV -oX - 192.0.2.0/30" start="1700000000" version="7.93">`;
const SCANNER_STATS = `<runstats><finished time="1700000100" summary="done" exit="success"/><hosts up="1" down="0" total="1"/></runstats></nmaprun>\n`;

/** `nmap -sV -oX -` of 192.0.2.0/30 around the given hosts. */
export function scannerDocument(hosts: string): string {
  return `${SCANNER_HEAD}${SCANNER_RUN}\n${hosts}\n${SCANNER_STATS}`;
}

/** An open SSH port as -sV reports it. */
export const SSH_PORT = `<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" product="OpenSSH" version="9.2p1" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh:9.2p1</cpe></service></port>`;

/** A host up with 999 closed ports folded into extraports and the given `<port>` elements. */
export function scannerHost(inner: string, addr = '192.0.2.1'): string {
  return `<host starttime="1700000001" endtime="1700000050"><status state="up" reason="echo-reply"/>\n<address addr="${addr}" addrtype="ipv4"/>\n<hostnames><hostname name="a.example.test" type="PTR"/></hostnames>\n<ports><extraports state="closed" count="999"><extrareasons reason="reset" count="999"/></extraports>\n${inner}</ports>\n</host>`;
}
