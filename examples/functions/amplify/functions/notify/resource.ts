import { defineFunction } from '@aws-amplify/backend';

export const notify = defineFunction({ name: 'notify' });
