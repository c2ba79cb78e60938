import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { sayHello } from '../functions/say-hello/resource';
import { reportEnv } from '../functions/report-env/resource';
import { fail } from '../functions/fail/resource';
import { slow } from '../functions/slow/resource';
import { usesPackage } from '../functions/uses-package/resource';
import { notify } from '../functions/notify/resource';

const schema = a.schema({
  Note: a.model({ text: a.string() }).authorization((allow) => [allow.publicApiKey()]),

  EnvReport: a.customType({
    greeting: a.string(),
    secret: a.string(),
    functionName: a.string(),
    region: a.string(),
    graphqlEndpoint: a.string(),
    dataName: a.string(),
    identityIsNull: a.boolean(),
    fieldName: a.string(),
    parentTypeName: a.string(),
    selection: a.string().array(),
    remainingMs: a.integer(),
  }),

  sayHello: a
    .query()
    .arguments({ name: a.string() })
    .returns(a.string())
    .handler(a.handler.function(sayHello))
    .authorization((allow) => [allow.publicApiKey()]),

  reportEnv: a
    .query()
    .returns(a.ref('EnvReport'))
    .handler(a.handler.function(reportEnv))
    .authorization((allow) => [allow.publicApiKey()]),

  failHard: a
    .query()
    .arguments({ reason: a.string().required() })
    .returns(a.string())
    .handler(a.handler.function(fail))
    .authorization((allow) => [allow.publicApiKey()]),

  takeYourTime: a
    .mutation()
    .returns(a.string())
    .handler(a.handler.function(slow))
    .authorization((allow) => [allow.publicApiKey()]),

  formatId: a
    .mutation()
    .arguments({ prefix: a.string().required() })
    .returns(a.customType({ formatted: a.string().required(), idLength: a.integer().required() }))
    .handler(a.handler.function(usesPackage))
    .authorization((allow) => [allow.publicApiKey()]),

  notifyLater: a
    .mutation()
    .arguments({ message: a.string().required() })
    .handler(a.handler.function(notify).async())
    .authorization((allow) => [allow.publicApiKey()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: { defaultAuthorizationMode: 'apiKey', apiKeyAuthorizationMode: { expiresInDays: 30 } },
});
