export * from './archive/tar';
export * from './bundle/evidence-bundle';
export * from './csv';
export * from './oscal/assessment-results';
export * from './oscal/assessment-results.types';
export * from './uuid-v5';
