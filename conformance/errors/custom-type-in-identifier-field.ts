// A custom-type field used as identifier.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Key: a.customType({ a: a.string(), b: a.string() }),
    Item: a
      .model({
        key: a.ref('Key').required(),
        name: a.string(),
      })
      .identifier(['key' as any]),
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
