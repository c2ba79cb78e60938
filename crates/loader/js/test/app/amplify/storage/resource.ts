import { defineStorage } from '@aws-amplify/backend';
import { onUpload } from '../functions/on-upload/resource';

export const storage = defineStorage({
  name: 'media',
  access: (allow) => ({
    'public/*': [allow.guest.to(['read']), allow.authenticated.to(['read', 'write', 'delete'])],
    'private/{entity_id}/*': [allow.entity('identity').to(['read', 'write', 'delete'])],
    'admin/*': [allow.groups(['ADMINS']).to(['read', 'write']), allow.resource(onUpload).to(['read'])],
  }),
  triggers: { onUpload },
});
