// The "Connect to Amazon EventBridge" docs page guards a custom mutation
// resolved by a JS resolver (a.handler.custom) with allow.guest();
// @aws-amplify/data-schema rejects identity-pool rules with a.handler.custom.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  OrderStatusChange: a.customType({
    orderId: a.id().required(),
    status: a.string().required(),
    message: a.string().required(),
  }),

  publishOrderFromEventBridge: a
    .mutation()
    .arguments({
      orderId: a.id().required(),
      status: a.string().required(),
      message: a.string().required(),
    })
    .returns(a.ref('OrderStatusChange'))
    .authorization((allow) => [allow.publicApiKey(), allow.guest()])
    .handler(
      a.handler.custom({
        entry: './publishOrderFromEventBridge.js',
      }),
    ),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  name: 'MyLibrary',
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
