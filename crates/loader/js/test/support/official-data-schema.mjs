// `@aws-amplify/data-schema` for `?mode=official`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const { a } = require(process.env.AMPBASE_OFFICIAL_DATA_SCHEMA);
export const ClientSchema = undefined;
