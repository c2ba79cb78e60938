import { defineFunction } from '@aws-amplify/backend';

export const slow = defineFunction({ name: 'slow', timeoutSeconds: 1 });
