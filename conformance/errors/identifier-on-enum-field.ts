// An enum field (a.ref to an enum, required) used in a composite identifier.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Status: a.enum(['OPEN', 'CLOSED']),
    Ticket: a
      .model({
        queue: a.string().required(),
        status: a.ref('Status').required(),
      })
      .identifier(['queue', 'status']),
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
