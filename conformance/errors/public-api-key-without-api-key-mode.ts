// The "Add custom real-time subscriptions" docs example verbatim: public API
// key rules, but defineData({ schema }) without authorizationModes in a backend
// with defineAuth gives a user-pool-only API (no API key), so the transformer
// rejects the apiKey rules.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  // A data model to manage channels
  Channel: a
    .model({
      name: a.string(),
    })
    .authorization((allow) => [allow.publicApiKey()]),

  // Message type that's used for this PubSub sample
  Message: a.customType({
    content: a.string().required(),
    channelName: a.string().required(),
  }),

  // Message publish mutation
  publish: a
    .mutation()
    .arguments({
      channelName: a.string().required(),
      content: a.string().required(),
    })
    .returns(a.ref('Message'))
    .handler(a.handler.custom({ entry: './publish.js' }))
    .authorization((allow) => [allow.publicApiKey()]),

  broadcast: a
    .mutation()
    .arguments({ content: a.string().required() })
    .returns(a.ref('Message'))
    .handler(a.handler.custom({ entry: './broadcast.js' }))
    .authorization((allow) => [allow.publicApiKey(), allow.authenticated()]),

  // Subscribe to incoming messages (no arguments).
  receive: a
    .subscription()
    .for(a.ref('publish'))
    .handler(a.handler.custom({ entry: './receive.js' }))
    .authorization((allow) => [allow.publicApiKey()]),

  // With a server-side filter argument.
  receiveWithPrefix: a
    .subscription()
    .for(a.ref('publish'))
    .arguments({ namePrefix: a.string() })
    .handler(a.handler.custom({ entry: './receive-with-prefix.js' }))
    .authorization((allow) => [allow.publicApiKey()]),

  // Several custom mutations of the same return type.
  anyMessage: a
    .subscription()
    .for([a.ref('publish'), a.ref('broadcast')])
    .arguments({ channelName: a.string(), minLength: a.integer() })
    .handler(a.handler.custom({ entry: './any-message.js' }))
    .authorization((allow) => [allow.publicApiKey(), allow.authenticated()]),

  // Model mutations.
  channelChanges: a
    .subscription()
    .for(a.ref('Channel').mutations(['create', 'update', 'delete']))
    .handler(a.handler.custom({ entry: './channel-changes.js' }))
    .authorization((allow) => [allow.publicApiKey()]),

  channelCreated: a
    .subscription()
    .for(a.ref('Channel').mutations(['create']))
    .arguments({ name: a.string().required() })
    .handler(a.handler.custom({ entry: './channel-created.js' }))
    .authorization((allow) => [allow.publicApiKey()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
});
