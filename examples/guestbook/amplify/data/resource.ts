import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

// Identity-pool (IAM) access: guests read the guestbook with the unauthenticated role,
// signed-in identities write it and share member notes with the authenticated role;
// diaries are private to their owner (user-pool tokens).
const schema = a.schema({
  Entry: a
    .model({
      message: a.string().required(),
    })
    .authorization((allow) => [allow.guest().to(['read']), allow.authenticated('identityPool')]),
  MemberNote: a
    .model({
      body: a.string().required(),
    })
    .authorization((allow) => [allow.authenticated('identityPool')]),
  Diary: a
    .model({
      text: a.string(),
    })
    .authorization((allow) => [allow.owner()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'identityPool',
  },
});
