import { defineFunction } from '@aws-amplify/backend';

export const fail = defineFunction({ name: 'fail' });
