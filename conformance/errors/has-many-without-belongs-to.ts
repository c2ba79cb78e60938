// hasMany whose related model has the reference field but no belongsTo back.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Team: a.model({
      mantra: a.string().required(),
      members: a.hasMany('Member', 'teamId'),
    }),
    Member: a.model({
      name: a.string().required(),
      teamId: a.id(),
    }),
  })
  .authorization((allow) => [allow.publicApiKey()]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
