// Inputs the official pipeline accepts although the docs or the types say
// otherwise; the compiler must reproduce what it does with them:
// - .default(...) on a required field (docs: "can't be applied to required
//   fields") is emitted as `String! @default(...)`;
// - .identifier([...]) on an optional a.id() field is accepted (id fields
//   count as DB-generated) and the key becomes required;
// - a secondary index on a field the model does not declare is silently
//   dropped by @aws-amplify/data-schema (no @index in the directive SDL).
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Todo: a.model({
      content: a.string().required().default('My new Todo'),
      priority: a.integer().required().default(1),
    }),

    Ticket: a
      .model({
        ticketId: a.id(),
        subject: a.string(),
      })
      .identifier(['ticketId']),

    Customer: a
      .model({
        name: a.string(),
        accountRepresentativeId: a.id(),
      })
      .secondaryIndexes((index) => [
        index('accountRepresentativeId'),
        index('regionId' as any),
      ]),
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
