export { compareAddresses, identityAddress } from './address-order';
export { CHANGE_TYPES, isPortChange } from './change.model';
export type {
  AddressRef,
  Change,
  ChangeType,
  HostAddressChanged,
  HostAppeared,
  HostChange,
  HostExtraPortsChanged,
  HostnameChanged,
  HostRemoved,
  HostScriptChanged,
  HostStatusChanged,
  HostSummary,
  ListedPort,
  OsChanged,
  PortAdded,
  PortChange,
  PortRemoved,
  PortScriptChanged,
  PortStateChanged,
  ScriptOutput,
  ServiceChanged,
  ServiceFields,
  SummarisedPort,
} from './change.model';
export { diffObservations } from './diff-observations';
export { formatChange, formatChangesJson, formatChangesText } from './format-changes';
