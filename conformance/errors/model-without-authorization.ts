// A model without rules in a schema without global rules is rejected by
// @aws-amplify/data-schema (every model needs authorization rules).
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Todo: a.model({
    content: a.string(),
  }),
  Comment: a
    .model({
      body: a.string(),
    })
    .authorization((allow) => [allow.publicApiKey()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({ schema });
