export * from './config-document.model';
export * from './config-kind-handler';
export * from './config-kinds';
export * from './config-parse-error';
export * from './json-document';
export * from './firewall';
export * from './pan';
export * from './settings';
