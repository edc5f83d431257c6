// Address identity and order live in the core: snapshot storage sorts hosts the same way drift does.
export { compareAddresses, identityAddress } from '@driftwatch/core';
