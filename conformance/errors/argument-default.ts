// The "Set up a Function" docs page shows a custom query argument with
// `.default("World")`; the transformer rejects @default on arguments.
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
    .authorization((allow) => [allow.guest()])
    .handler(a.handler.function(sayHello)),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'iam',
  },
});
