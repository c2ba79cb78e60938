// Owner-based rules (docs: "Per-user/per-owner data access", "Multi-user data
// access", "Configure custom identity and group claims", "Create a user
// profile record"): allow.owner() with and without .to([...]), owner-field
// protection with a field-level rule, ownerDefinedIn, ownersDefinedIn (owners
// and authors), identityClaim, withClaimIn, explicit userPools provider.
// defineData without authorizationModes: the user pool is the default mode.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Todo: a
    .model({
      content: a.string(),
    })
    .authorization((allow) => [allow.owner()]),

  // Owners may create, read, update but not delete.
  Draft: a
    .model({
      content: a.string(),
    })
    .authorization((allow) => [allow.owner().to(['create', 'read', 'update'])]),

  // Owner-field protection: owners cannot reassign.
  Note: a
    .model({
      content: a.string(),
      owner: a.string().authorization((allow) => [allow.owner().to(['read', 'delete'])]),
    })
    .authorization((allow) => [allow.owner()]),

  // Custom owner field.
  Story: a
    .model({
      content: a.string(),
      author: a.string(),
    })
    .authorization((allow) => [allow.ownerDefinedIn('author')]),

  // Multiple owners (default owners field name and a custom one).
  SharedTodo: a
    .model({
      content: a.string(),
      owners: a.string().array(),
    })
    .authorization((allow) => [allow.ownersDefinedIn('owners')]),

  CoAuthored: a
    .model({
      content: a.string(),
      authors: a.string().array(),
    })
    .authorization((allow) => [allow.ownersDefinedIn('authors')]),

  // Custom identity and group claims (docs).
  Post: a
    .model({
      id: a.id(),
      owner: a.string(),
      postname: a.string(),
      content: a.string(),
    })
    .authorization((allow) => [
      allow.owner().identityClaim('user_id'),
      allow.groups(['Moderator']).withClaimIn('user_groups'),
    ]),

  // User profile written by a post-confirmation trigger.
  UserProfile: a
    .model({
      email: a.string(),
      profileOwner: a.string(),
    })
    .authorization((allow) => [allow.ownerDefinedIn('profileOwner')]),

  // Explicit provider, owner + several ownersDefinedIn, with claims and .to.
  Document: a
    .model({
      title: a.string().required(),
      createdBy: a.string(),
      editors: a.string().array(),
      viewers: a.string().array(),
    })
    .authorization((allow) => [
      allow.owner('userPools'),
      allow.ownerDefinedIn('createdBy', 'userPools').identityClaim('sub').to(['create', 'read', 'delete']),
      allow.ownersDefinedIn('editors').identityClaim('username').to(['read', 'update']),
      allow.ownersDefinedIn('viewers').to(['read']),
      allow.authenticated('userPools').to(['read']),
    ]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({ schema });
