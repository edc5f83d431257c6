export * from './api-key.repository';
export * from './change.repository';
export * from './finding.repository';
export * from './observation.repository';
export * from './scan.repository';
export * from './scope.repository';
export * from './snapshot.repository';
