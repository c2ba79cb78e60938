// Public access (docs: "Public data access", "Customize your auth rules",
// "Optimistic UI"): allow.publicApiKey(), allow.guest() (identity pool
// unauthenticated role), authenticated('identityPool'), their .to([...])
// subsets, combined with owner rules. Default authorization mode: iam, with an
// additional API key.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Todo: a
    .model({
      content: a.string(),
    })
    .authorization((allow) => [allow.publicApiKey()]),

  RealEstateProperty: a
    .model({
      name: a.string().required(),
      address: a.string(),
    })
    .authorization((allow) => [allow.guest()]),

  // Guests read, owners do everything (docs: "Configure multiple authorization rules").
  Post: a
    .model({
      title: a.string(),
      content: a.string(),
    })
    .authorization((allow) => [allow.guest().to(['read']), allow.owner()]),

  // API key reads, owners do everything (docs' overview example).
  Article: a
    .model({
      content: a.string(),
      createdBy: a.string(),
    })
    .authorization((allow) => [allow.publicApiKey().to(['read']), allow.owner()]),

  // Signed-in identity-pool users write, guests only get/list/listen.
  Gallery: a
    .model({
      title: a.string().required(),
      coverUrl: a.url(),
    })
    .authorization((allow) => [
      allow.authenticated('identityPool').to(['create', 'update', 'delete', 'read']),
      allow.guest().to(['get', 'list', 'listen']),
      allow.publicApiKey().to(['get']),
    ]),

  // Mixed fine-grained operations across providers.
  Poll: a
    .model({
      question: a.string().required(),
      votes: a.integer(),
    })
    .authorization((allow) => [
      allow.publicApiKey().to(['list', 'listen']),
      allow.guest().to(['create', 'get', 'sync']),
      allow.authenticated().to(['update', 'search']),
      allow.authenticated('identityPool').to(['delete']),
    ]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'iam',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
