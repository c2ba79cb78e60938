import { defineStorage } from '@aws-amplify/backend';

export const storage = defineStorage({
  name: 'blogMedia',
  access: (allow) => ({
    'public/*': [allow.guest.to(['read']), allow.authenticated.to(['read', 'write'])],
    'drafts/{entity_id}/*': [allow.entity('identity').to(['read', 'write', 'delete'])],
    'editorial/*': [allow.groups(['EDITORS']).to(['read', 'write', 'delete'])],
  }),
});
