// ownerDefinedIn on a field that is not a String (an Int).
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Story: a
      .model({
        content: a.string(),
        author: a.integer(),
      })
      .authorization((allow) => [allow.ownerDefinedIn('author')]),
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
