import { defineFunction } from '@aws-amplify/backend';

export const usesPackage = defineFunction({ name: 'uses-package' });
