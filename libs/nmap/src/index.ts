export {
  buildNmapArguments,
  DEFAULT_STATS_EVERY_SECONDS,
  MAX_HOST_TIMEOUT_SECONDS,
  MAX_STATS_EVERY_SECONDS,
} from './nmap-arguments';
export type { NmapAddressFamily, NmapScanOptions, ScanTechnique } from './nmap-arguments';
export {
  decodeNmapXml,
  DEFAULT_MAX_NMAP_XML_BYTES,
  parseNmapXml,
  parseNmapXmlDetailed,
  relocateNmapXmlError,
} from './nmap-xml.parser';
export type {
  NmapSkippedTarget,
  NmapXmlCheckOption,
  NmapTaskProgressAttributes,
  NmapXmlLimits,
  NmapXmlObservers,
  NmapXmlParseResult,
} from './nmap-xml.parser';
export { nmapXmlParts, renderNmapXml } from './nmap-xml.writer';
export type { NmapXmlRenderOptions } from './nmap-xml.writer';
export { NmapNotFoundError, NmapRunner } from './nmap.runner';
export type {
  NmapChildProcess,
  NmapRunControl,
  NmapRunnerOptions,
  NmapRunResult,
  NmapSpawn,
  NmapSpawnOptions,
} from './nmap.runner';
export { DEFAULT_PROGRESS_INTERVAL_MS, NmapProgressTracker, parseTaskProgress } from './nmap-progress';
export type { NmapProgress, NmapProgressListener, NmapTaskProgress } from './nmap-progress';
export { nmapVersion, parseNmapVersion } from './nmap-version';
export { PARENT_DEATH_LAUNCHER, parentDeathLauncher } from './nmap-launcher';
export { documentWithHosts, sameHost, splitHostBlocks } from './nmap-xml.host-blocks';
export type { HostBlock, HostBlocks, HostDocument, HostSelection } from './nmap-xml.host-blocks';
