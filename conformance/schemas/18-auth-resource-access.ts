// Function access (docs: "Grant Lambda function access to API and Data",
// "Create a user profile record"): schema-level allow.resource(fn) with and
// without .to(['query' | 'mutate' | 'listen']), next to model rules; the
// trigger function comes from another file (relative import).
import { type ClientSchema, a, defineData, defineFunction } from '@aws-amplify/backend';
import { postConfirmation } from './lib/post-confirmation-resource';

const functionWithDataAccess = defineFunction({
  entry: '../functions/data-access.ts',
});

const reporter = defineFunction({
  name: 'reporter',
  entry: '../functions/reporter.ts',
});

const auditor = defineFunction({
  name: 'auditor',
  entry: '../functions/auditor.ts',
});

const schema = a
  .schema({
    Todo: a.model({
      name: a.string(),
      description: a.string(),
    }),

    UserProfile: a
      .model({
        email: a.string(),
        profileOwner: a.string(),
      })
      .authorization((allow) => [allow.ownerDefinedIn('profileOwner')]),

    AuditEntry: a
      .model({
        action: a.string().required(),
        at: a.datetime(),
      })
      .authorization((allow) => [allow.groups(['Auditors']).to(['read'])]),
  })
  .authorization((allow) => [
    allow.resource(functionWithDataAccess),
    allow.resource(postConfirmation),
    allow.resource(reporter).to(['query', 'listen']),
    allow.resource(auditor).to(['mutate']),
    allow.publicApiKey().to(['read']),
  ]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'apiKey',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
