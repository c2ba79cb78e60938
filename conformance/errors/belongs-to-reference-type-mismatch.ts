// Reference field type (Int) not matching the parent identifier type (ID).
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Team: a.model({
      mantra: a.string().required(),
      members: a.hasMany('Member', 'teamId'),
    }),
    Member: a.model({
      name: a.string().required(),
      teamId: a.integer(),
      team: a.belongsTo('Team', 'teamId'),
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
