import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { sayHello } from '../functions/say-hello/resource';
import { postConfirmation } from '../functions/post-confirmation/resource';

const schema = a
  .schema({
    Todo: a
      .model({ content: a.string(), done: a.boolean().default(false) })
      .authorization((allow) => [allow.owner(), allow.publicApiKey().to(['read'])]),
    sayHello: a
      .query()
      .arguments({ name: a.string() })
      .returns(a.string())
      .authorization((allow) => [allow.publicApiKey()])
      .handler(a.handler.function(sayHello)),
    likeTodo: a
      .mutation()
      .arguments({ id: a.id().required() })
      .returns(a.ref('Todo'))
      .authorization((allow) => [allow.authenticated()])
      .handler(a.handler.custom({ dataSource: a.ref('Todo'), entry: './increment-like.js' })),
  })
  .authorization((allow) => [allow.resource(postConfirmation).to(['mutate'])]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: { defaultAuthorizationMode: 'userPool', apiKeyAuthorizationMode: { expiresInDays: 30 } },
});
