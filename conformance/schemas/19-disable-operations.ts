// .disableOperations([...]) in each of its forms: whole groups ('queries',
// 'mutations', 'subscriptions'), single operations ('list', 'get', 'create',
// 'update', 'delete', 'onCreate', 'onUpdate', 'onDelete') and mixes, also on
// a model with a secondary index and on one with owner rules.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    NoMutations: a.model({ content: a.string() }).disableOperations(['mutations']),
    NoSubscriptions: a.model({ content: a.string() }).disableOperations(['subscriptions']),
    NoQueries: a.model({ content: a.string() }).disableOperations(['queries']),
    NoList: a.model({ content: a.string() }).disableOperations(['list']),
    NoGet: a.model({ content: a.string() }).disableOperations(['get']),
    NoCreate: a.model({ content: a.string() }).disableOperations(['create']),
    NoUpdate: a.model({ content: a.string() }).disableOperations(['update']),
    NoDelete: a.model({ content: a.string() }).disableOperations(['delete']),
    NoOnCreate: a.model({ content: a.string() }).disableOperations(['onCreate']),
    NoOnUpdate: a.model({ content: a.string() }).disableOperations(['onUpdate']),
    NoOnDelete: a.model({ content: a.string() }).disableOperations(['onDelete']),

    // The example of the API reference: a read-only-ish log.
    AuditLog: a
      .model({
        action: a.string().required(),
        actor: a.string(),
      })
      .disableOperations(['delete', 'update', 'queries', 'subscriptions']),

    // Mixed: keep get and create only, with a secondary index.
    Event: a
      .model({
        kind: a.string().required(),
        payload: a.json(),
      })
      .secondaryIndexes((index) => [index('kind')])
      .disableOperations(['list', 'update', 'delete', 'onCreate', 'onUpdate', 'onDelete']),

    // Owner rules with subscriptions disabled.
    Message: a
      .model({
        body: a.string().required(),
      })
      .disableOperations(['subscriptions', 'delete'])
      .authorization((allow) => [allow.owner(), allow.publicApiKey().to(['read'])]),
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
