// `@aws-amplify/backend`, as served by ampbase to the user's amplify/ files.

import './lib/api.js';

export { a } from './lib/schema/builders.js';
export { defineBackend, defineAuth, defineData, defineStorage, defineFunction, secret, referenceAuth } from './lib/define.js';

// Type-only exports of the real package. TypeScript stripping removes imports
// used only as types; these placeholders keep an untyped `import { ClientSchema }`
// from failing to link.
export const ClientSchema = undefined;
export const Backend = undefined;
