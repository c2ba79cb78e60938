// `@aws-amplify/data-schema`, as served by ampbase (it re-exports `a`).

import './lib/api.js';

export { a } from './lib/schema/builders.js';

// Type-only exports of the real package (see backend.js).
export const ClientSchema = undefined;
