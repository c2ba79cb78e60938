import { defineStorage } from '@aws-amplify/backend';

// The Gen 1 access levels, plus an area only the ADMINS group can reach
// (docs: Storage > Customize authorization rules).
export const storage = defineStorage({
  name: 'teamDrive',
  isDefault: true,
  access: (allow) => ({
    'public/*': [
      allow.guest.to(['read']),
      allow.authenticated.to(['read', 'write', 'delete']),
    ],
    'protected/{entity_id}/*': [
      allow.authenticated.to(['read']),
      allow.entity('identity').to(['read', 'write', 'delete']),
    ],
    'private/{entity_id}/*': [
      allow.entity('identity').to(['read', 'write', 'delete']),
    ],
    'admin/*': [
      allow.groups(['ADMINS']).to(['read', 'write', 'delete']),
    ],
  }),
});
