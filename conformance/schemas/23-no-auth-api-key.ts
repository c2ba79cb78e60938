// oracle-flags: --no-auth
// A backend without defineAuth (no user pool, no identity pool): the API key
// is the only mode besides IAM. Public API key rules at schema, model and
// field level, and a custom query.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Todo: a.model({
      content: a.string(),
      isDone: a.boolean(),
    }),
    Bulletin: a
      .model({
        title: a.string().required(),
        body: a.string(),
        internal: a.string().authorization((allow) => [allow.publicApiKey().to(['read'])]),
      })
      .authorization((allow) => [allow.publicApiKey().to(['read', 'create'])]),
    now: a
      .query()
      .returns(a.datetime())
      .authorization((allow) => [allow.publicApiKey()])
      .handler(a.handler.custom({ entry: './now.js' })),
  })
  .authorization((allow) => [allow.publicApiKey()]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 7, description: 'public key' },
  },
});
