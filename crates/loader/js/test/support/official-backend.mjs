// `@aws-amplify/backend` for `?mode=official`: `a` from the official
// @aws-amplify/data-schema package, define* only record their arguments
// (like the oracle's backend shim).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dir = process.env.AMPBASE_OFFICIAL_DATA_SCHEMA;
export const { a } = require(dir);
export const defineData = (props) => ({ __official: 'data', props });
let n = 0;
export const defineFunction = (props = {}) => ({ __official: 'function', props, name: props.name ?? `function${++n}`, getInstance() {} });
export const defineAuth = (props) => ({ __official: 'auth', props });
export const defineStorage = (props) => ({ __official: 'storage', props });
export const referenceAuth = (props) => ({ __official: 'auth', props });
export const secret = (name) => ({ __official: 'secret', name });
export const defineBackend = () => ({ addOutput() {} });
export const ClientSchema = undefined;
