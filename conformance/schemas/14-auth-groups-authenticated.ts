// Group and signed-in rules (docs: "User group-based data access", "Signed-in
// user data access"): allow.group, allow.groups, groupDefinedIn,
// groupsDefinedIn, withClaimIn, .to([...]); allow.authenticated() (user pool),
// authenticated('identityPool'); the docs' admin mutation guarded by a group.
// Default mode user pool, additional API key.
import { type ClientSchema, a, defineData, defineFunction } from '@aws-amplify/backend';

const addUserToGroup = defineFunction({
  name: 'add-user-to-group',
  entry: './add-user-to-group/handler.ts',
});

const schema = a.schema({
  // One static group.
  Salary: a
    .model({
      wage: a.float(),
      currency: a.string(),
    })
    .authorization((allow) => [allow.group('Admin')]),

  // Several static groups.
  Bonus: a
    .model({
      wage: a.float(),
      currency: a.string(),
    })
    .authorization((allow) => [allow.groups(['Admin', 'Leadership'])]),

  // Dynamic groups: array of groups.
  Post: a
    .model({
      title: a.string(),
      groups: a.string().array(),
    })
    .authorization((allow) => [allow.groupsDefinedIn('groups')]),

  // Dynamic group: single group.
  Announcement: a
    .model({
      title: a.string(),
      group: a.string(),
    })
    .authorization((allow) => [allow.groupDefinedIn('group')]),

  // Signed-in users (user pool and identity pool).
  Todo: a
    .model({
      content: a.string(),
    })
    .authorization((allow) => [allow.authenticated()]),

  Checklist: a
    .model({
      content: a.string(),
    })
    .authorization((allow) => [allow.authenticated('identityPool')]),

  // Combined group rules with operation subsets and custom claims
  // (evaluated: authenticated > groups > ownersDefinedIn > groupsDefinedIn).
  Project: a
    .model({
      name: a.string().required(),
      team: a.string(),
      reviewers: a.string().array(),
      budget: a.float(),
    })
    .authorization((allow) => [
      allow.authenticated().to(['read']),
      allow.groups(['EDITORS']).to(['read', 'update']),
      allow.group('Admin').to(['create', 'delete']),
      allow.groupDefinedIn('team').withClaimIn('custom:team').to(['read', 'update']),
      allow.groupsDefinedIn('reviewers').to(['read']),
      allow.publicApiKey().to(['read']),
    ]),

  // Admin mutation guarded by a group (docs: "With admin actions").
  addUserToGroup: a
    .mutation()
    .arguments({
      userId: a.string().required(),
      groupName: a.string().required(),
    })
    .authorization((allow) => [allow.group('ADMINS')])
    .handler(a.handler.function(addUserToGroup))
    .returns(a.json()),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
