export * from './http-facts';
export * from './port-facts';
export * from './ssh-facts';
export * from './tls-facts';
