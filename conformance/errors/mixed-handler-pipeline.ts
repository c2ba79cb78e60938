// A pipeline mixing a.handler.function and a.handler.custom (docs: all handlers must be of the same type).
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    ping: a
      .query()
      .returns(a.string())
      .authorization((allow) => [allow.publicApiKey()])
      .handler([a.handler.custom({ entry: './a.js' }), a.handler.function('some-function') as any]),
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
