export { usersDefinition } from './app.js';
export { usersService } from './service.js';
export { generateSigningKey, generateSigningKeySet, loadSigningKeys, tokenMintFromSigningKeys, type SigningKeySet } from './signing-keys.js';
