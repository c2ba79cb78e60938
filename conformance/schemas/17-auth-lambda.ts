// Lambda authorization (docs: "Custom data access using Lambda functions"):
// allow.custom() and allow.custom('function') at model and field level, on a
// custom query, with defaultAuthorizationMode 'lambda' and an inline
// defineFunction authorizer.
import { type ClientSchema, a, defineData, defineFunction } from '@aws-amplify/backend';

const schema = a.schema({
  Todo: a
    .model({
      content: a.string(),
    })
    // Indicate which models / fields should use a custom authorization rule
    .authorization((allow) => [allow.custom()]),

  Vault: a
    .model({
      label: a.string(),
      secret: a.string().authorization((allow) => [allow.custom('function').to(['read'])]),
    })
    .authorization((allow) => [allow.custom('function').to(['create', 'read', 'delete'])]),

  whoAmI: a
    .query()
    .returns(a.string())
    .authorization((allow) => [allow.custom()])
    .handler(a.handler.custom({ entry: './who-am-i.js' })),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'lambda',
    lambdaAuthorizationMode: {
      function: defineFunction({
        entry: './custom-authorizer.ts',
      }),
      timeToLiveInSeconds: 300,
    },
  },
});
