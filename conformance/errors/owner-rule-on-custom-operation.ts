// A dynamic (owner) rule on a custom query; docs: only static rules are supported on non-model types.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    whoAmI: a
      .query()
      .returns(a.string())
      .authorization((allow) => [allow.owner() as any])
      .handler(a.handler.custom({ entry: './who-am-i.js' })),
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
