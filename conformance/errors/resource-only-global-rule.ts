// The "Grant Lambda function access to API and Data" docs example verbatim:
// the only schema-level rule is allow.resource(fn), which grants the function
// access but is not a rule for the models, so Todo has no authorization rules
// and @aws-amplify/data-schema rejects the schema.
import { a, defineData, defineFunction, type ClientSchema } from '@aws-amplify/backend';

const functionWithDataAccess = defineFunction({
  entry: '../functions/data-access.ts',
});

const schema = a
  .schema({
    Todo: a.model({
      name: a.string(),
      description: a.string(),
    }),
  })
  .authorization((allow) => [allow.resource(functionWithDataAccess)]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
});
