export { auditdFactsSchema, auditdHandler, parseAuditd } from './auditd';
export type { AuditdAction, AuditdFacts, AuditWatch } from './auditd';
export { MAX_LINE_LENGTH, MAX_PROBLEMS } from './document-lines';
export { DEFAULT_MAX_EDIT_DISTANCE, lineDiff } from './line-diff';
export type { LineDiff, LineDiffOptions } from './line-diff';
export { loginDefsFactsSchema, loginDefsHandler, parseLoginDefs } from './login-defs';
export type { LoginDefsFacts } from './login-defs';
export { pamPwqualityFactsSchema, pamPwqualityHandler, parsePamPwquality } from './pam-pwquality';
export type { PamModuleLine, PamPwqualityFacts } from './pam-pwquality';
export { FORWARDING_PROTOCOLS, parseRsyslog, rsyslogFactsSchema, rsyslogHandler } from './rsyslog';
export type { RsyslogFacts, RsyslogForwarding } from './rsyslog';
export { diffSettings } from './settings-diff';
export type { DiffSettingsOptions } from './settings-diff';
export {
  PERMIT_ROOT_LOGIN,
  parseSshdConfig,
  parseSshTime,
  sshdConfigFactsSchema,
  sshdConfigHandler,
} from './sshd-config';
export type { PermitRootLogin, SshdConfigFacts, SshdMatchBlock, SshdSettings } from './sshd-config';
export {
  chronyFactsSchema,
  chronyHandler,
  diffTimeSync,
  ntpFactsSchema,
  ntpHandler,
  parseChrony,
  parseNtp,
  TIME_SOURCE_TYPES,
} from './time-sync';
export type { ChronyFacts, NtpFacts, TimeSource, TimeSourceType, TimeSyncFacts } from './time-sync';
