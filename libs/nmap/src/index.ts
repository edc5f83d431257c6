export { buildNmapArguments, MAX_HOST_TIMEOUT_SECONDS } from './nmap-arguments';
export type { NmapAddressFamily, NmapScanOptions, ScanTechnique } from './nmap-arguments';
export { DEFAULT_MAX_NMAP_XML_BYTES, parseNmapXml, parseNmapXmlDetailed } from './nmap-xml.parser';
export type { NmapSkippedTarget, NmapXmlLimits, NmapXmlParseResult } from './nmap-xml.parser';
export { NmapNotFoundError, NmapRunner } from './nmap.runner';
export type {
  NmapChildProcess,
  NmapRunControl,
  NmapRunnerOptions,
  NmapRunResult,
  NmapSpawn,
} from './nmap.runner';
export { nmapVersion, parseNmapVersion } from './nmap-version';
export { documentWithHosts, sameHost, splitHostBlocks } from './nmap-xml.host-blocks';
export type { HostBlock, HostBlocks } from './nmap-xml.host-blocks';
