// Relationships (docs: "Modeling relationships"): one-to-many (Team/Member),
// one-to-one (Customer/Cart), multiple relationships between two models
// (Post author/editor), required vs optional reference fields, and
// relationships to models with a sort key in their identifier (composite
// references, docs' Person with name + dateOfBirth).
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    // One-to-many.
    Member: a
      .model({
        name: a.string().required(),
        teamId: a.id(),
        team: a.belongsTo('Team', 'teamId'),
      })
      .authorization((allow) => [allow.publicApiKey()]),

    Team: a
      .model({
        mantra: a.string().required(),
        members: a.hasMany('Member', 'teamId'),
      })
      .authorization((allow) => [allow.publicApiKey()]),

    // One-to-one.
    Cart: a.model({
      items: a.string().required().array(),
      customerId: a.id(),
      customer: a.belongsTo('Customer', 'customerId'),
    }),

    Customer: a.model({
      name: a.string(),
      activeCart: a.hasOne('Cart', 'customerId'),
    }),

    // Two relationships between the same models; one required reference.
    Post: a.model({
      title: a.string().required(),
      content: a.string().required(),
      authorId: a.id().required(),
      author: a.belongsTo('Person', 'authorId'),
      editorId: a.id(),
      editor: a.belongsTo('Person', 'editorId'),
      reviewerName: a.string(),
      reviewerDoB: a.date(),
      reviewer: a.belongsTo('Reviewer', ['reviewerName', 'reviewerDoB']),
    }),

    Person: a.model({
      name: a.string(),
      editedPosts: a.hasMany('Post', 'editorId'),
      authoredPosts: a.hasMany('Post', 'authorId'),
    }),

    // Sort key in the identifier: composite references.
    Reviewer: a
      .model({
        name: a.string().required(),
        dateOfBirth: a.date().required(),
        reviewedPosts: a.hasMany('Post', ['reviewerName', 'reviewerDoB']),
        badge: a.hasOne('Badge', ['reviewerName', 'reviewerDoB']),
      })
      .identifier(['name', 'dateOfBirth']),

    Badge: a.model({
      level: a.integer(),
      reviewerName: a.string(),
      reviewerDoB: a.date(),
      reviewer: a.belongsTo('Reviewer', ['reviewerName', 'reviewerDoB']),
    }),
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
