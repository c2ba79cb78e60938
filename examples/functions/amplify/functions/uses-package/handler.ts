// A relative TypeScript module and a package from the app's node_modules.
import { ulid } from 'ulid';
import { format } from './lib/format';
import type { Schema } from '../../data/resource';

export const handler: Schema['formatId']['functionHandler'] = async (event) => format(event.arguments.prefix, ulid());
