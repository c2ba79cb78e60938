// Imported by 18-auth-resource-access.ts (amplify/auth/post-confirmation/resource.ts in the docs).
import { defineFunction } from '@aws-amplify/backend';

export const postConfirmation = defineFunction({
  name: 'post-confirmation',
});
