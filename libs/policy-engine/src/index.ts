export * from './compile-policy';
export * from './evaluate';
export * from './load-policy-pack';
export * from './parse-policy-pack';
export * from './policy-error';
export * from './policy.model';
export { renderMessage } from './render-message';
export { RULE_FILE_SCHEMA } from './rule-file-schema';
