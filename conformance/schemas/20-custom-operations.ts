// Custom queries and mutations (docs: "Add custom queries and mutations",
// "Connect to external Amazon DynamoDB data sources", "Connect to Amazon
// EventBridge", admin actions): arguments of every kind (scalars, enum and
// custom-type refs, arrays, required), returns of every kind (scalar, enum,
// model ref, custom-type ref, arrays, required, inline custom type, json),
// a.handler.function (defineFunction, async, by name through defineData
// `functions`), a.handler.custom (model data source, NONE, named external data
// source), pipelines of custom and function handlers, static auth rules on
// operations, and defineData `name`.
import { type ClientSchema, a, defineData, defineFunction } from '@aws-amplify/backend';

const echoHandler = defineFunction({
  entry: './echo-handler/handler.ts',
});

const enrich = defineFunction({ name: 'enrich' });
const validateOrder = defineFunction({ name: 'validate-order' });
const notify = defineFunction({ name: 'notify' });
const legacyLookup = defineFunction({ name: 'legacy-lookup' });

const schema = a.schema({
  OrderStatus: a.enum(['PENDING', 'SHIPPED', 'DELIVERED']),

  EchoResponse: a.customType({
    content: a.string(),
    executionDuration: a.float(),
  }),

  Address: a.customType({
    line1: a.string().required(),
    city: a.string().required(),
    zip: a.string(),
  }),

  OrderStatusChange: a.customType({
    orderId: a.id().required(),
    status: a.ref('OrderStatus').required(),
    message: a.string().required(),
  }),

  // External-table custom type (docs' Post custom type).
  Post: a.customType({
    author: a.string().required(),
    title: a.string(),
    content: a.string(),
    url: a.string(),
    ups: a.integer(),
    downs: a.integer(),
    version: a.integer(),
  }),

  Order: a
    .model({
      customer: a.string().required(),
      status: a.ref('OrderStatus'),
      total: a.float(),
      shipTo: a.ref('Address'),
    })
    .authorization((allow) => [allow.publicApiKey(), allow.authenticated()]),

  // Docs' echo: query -> Lambda, custom type return.
  echo: a
    .query()
    .arguments({ content: a.string() })
    .returns(a.ref('EchoResponse'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.function(echoHandler)),

  // Scalar arguments of every kind, required and arrays; required scalar return.
  countMatches: a
    .query()
    .arguments({
      id: a.id(),
      text: a.string().required(),
      limit: a.integer(),
      threshold: a.float(),
      exact: a.boolean(),
      on: a.date(),
      at: a.time(),
      since: a.datetime(),
      epoch: a.timestamp(),
      email: a.email(),
      filter: a.json(),
      phone: a.phone(),
      site: a.url(),
      ip: a.ipAddress(),
      words: a.string().array(),
      requiredWords: a.string().required().array().required(),
    })
    .returns(a.integer().required())
    .authorization((allow) => [allow.authenticated(), allow.guest()])
    .handler(a.handler.function(echoHandler)),

  // Enum and custom-type arguments; model return (required).
  createOrderFor: a
    .mutation()
    .arguments({
      customer: a.string().required(),
      status: a.ref('OrderStatus').required(),
      shipTo: a.ref('Address'),
      altAddresses: a.ref('Address').array(),
    })
    .returns(a.ref('Order').required())
    .authorization((allow) => [allow.authenticated()])
    .handler(a.handler.custom({ dataSource: a.ref('Order'), entry: './create-order.js' })),

  // Array of models return, resolved by a JS resolver on the model table.
  ordersByStatus: a
    .query()
    .arguments({ status: a.ref('OrderStatus').required() })
    .returns(a.ref('Order').array())
    .authorization((allow) => [allow.publicApiKey(), allow.group('Support'), allow.groups(['Admin', 'Ops'])])
    .handler(a.handler.custom({ dataSource: a.ref('Order'), entry: './orders-by-status.js' })),

  // Enum return, array of enums return.
  nextStatus: a
    .query()
    .arguments({ current: a.ref('OrderStatus') })
    .returns(a.ref('OrderStatus'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ entry: './next-status.js' })),

  allStatuses: a
    .query()
    .returns(a.ref('OrderStatus').array())
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ entry: './all-statuses.js' })),

  // Required array of required custom types.
  recentChanges: a
    .query()
    .arguments({ count: a.integer().required() })
    .returns(a.ref('OrderStatusChange').required().array().required())
    .authorization((allow) => [allow.authenticated('identityPool')])
    .handler(a.handler.function(echoHandler)),

  // Inline custom type return with nested inline types and an inline enum.
  orderSummary: a
    .query()
    .arguments({ orderIds: a.id().required().array() })
    .returns(
      a.customType({
        count: a.integer().required(),
        totals: a.customType({
          gross: a.float(),
          net: a.float(),
        }),
        health: a.enum(['GOOD', 'DEGRADED']),
        ids: a.id().array(),
      }),
    )
    .authorization((allow) => [allow.authenticated()])
    .handler(a.handler.function(echoHandler)),

  // Named external data source (docs: external DynamoDB table).
  addPost: a
    .mutation()
    .arguments({
      id: a.id(),
      author: a.string().required(),
      title: a.string(),
      content: a.string(),
      url: a.string(),
    })
    .returns(a.ref('Post'))
    .authorization((allow) => [allow.publicApiKey()])
    .handler(
      a.handler.custom({
        dataSource: 'ExternalPostTableDataSource',
        entry: './addPost.js',
      }),
    ),

  // NONE data source (docs: EventBridge; the docs also allow.guest(), which
  // is rejected with a.handler.custom, see conformance/errors/).
  publishOrderFromEventBridge: a
    .mutation()
    .arguments({
      orderId: a.id().required(),
      status: a.string().required(),
      message: a.string().required(),
    })
    .returns(a.ref('OrderStatusChange'))
    .authorization((allow) => [allow.publicApiKey(), allow.authenticated()])
    .handler(a.handler.custom({ entry: './publishOrderFromEventBridge.js' })),

  // Pipeline of JS resolvers (model data source, then NONE).
  shipOrder: a
    .mutation()
    .arguments({ orderId: a.id().required() })
    .returns(a.ref('Order'))
    .authorization((allow) => [allow.authenticated()])
    .handler([
      a.handler.custom({ dataSource: a.ref('Order'), entry: './load-order.js' }),
      a.handler.custom({ entry: './check-stock.js' }),
      a.handler.custom({ dataSource: a.ref('Order'), entry: './mark-shipped.js' }),
    ]),

  // Pipeline of functions.
  checkout: a
    .mutation()
    .arguments({ orderId: a.id().required(), coupon: a.string() })
    .returns(a.json())
    .authorization((allow) => [allow.authenticated()])
    .handler([a.handler.function(validateOrder), a.handler.function(enrich)]),

  // Pipeline of functions ending with an async invocation.
  checkoutAsync: a
    .mutation()
    .arguments({ orderId: a.id().required() })
    .returns(a.string())
    .authorization((allow) => [allow.authenticated()])
    .handler([a.handler.function(validateOrder), a.handler.function(notify).async()]),

  // Async function (returns EventInvocationResponse).
  sendReceipt: a
    .mutation()
    .arguments({ orderId: a.id().required(), email: a.email().required() })
    .returns(a.boolean())
    .authorization((allow) => [allow.authenticated()])
    .handler(a.handler.function(notify).async()),

  // Function by name, mapped through defineData `functions`.
  legacyOrder: a
    .query()
    .arguments({ legacyId: a.string().required() })
    .returns(a.ref('Order'))
    .authorization((allow) => [allow.authenticated()])
    .handler(a.handler.function('legacyLookupFn')),

  // Function by name of an existing Lambda.
  ping: a
    .query()
    .returns(a.string())
    .authorization((allow) => [allow.publicApiKey(), allow.authenticated()])
    .handler(a.handler.function('existing-ping-function')),

  // Query without arguments returning json, mutation with only an optional argument.
  stats: a
    .query()
    .returns(a.json())
    .authorization((allow) => [allow.publicApiKey()])
    .handler(a.handler.custom({ entry: './stats.js' })),

  resetStats: a
    .mutation()
    .arguments({ reason: a.string() })
    .returns(a.boolean().required())
    .authorization((allow) => [allow.groups(['Admin'])])
    .handler(a.handler.custom({ entry: './reset-stats.js' })),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  name: 'MyLibrary',
  functions: {
    legacyLookupFn: legacyLookup,
  },
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
