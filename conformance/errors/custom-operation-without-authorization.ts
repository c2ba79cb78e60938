// The "Set up a Function" docs page's sayHello query verbatim: a custom
// operation without .authorization(...) is rejected by @aws-amplify/data-schema
// (before the argument default is looked at).
import { type ClientSchema, a, defineData, defineFunction } from '@aws-amplify/backend';

const sayHello = defineFunction({
  name: 'say-hello',
  entry: './say-hello/handler.ts',
});

const schema = a.schema({
  sayHello: a
    .query()
    .arguments({
      name: a.string().default('World'),
    })
    .returns(a.string())
    .handler(a.handler.function(sayHello)),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'iam',
  },
});
