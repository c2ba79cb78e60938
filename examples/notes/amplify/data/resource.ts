import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

// Each signed-in user sees and changes only their own notes; editors read everyone's.
const schema = a.schema({
  Note: a
    .model({
      title: a.string().required(),
      body: a.string(),
    })
    .authorization((allow) => [allow.owner(), allow.group('EDITORS').to(['read'])]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
  },
});
