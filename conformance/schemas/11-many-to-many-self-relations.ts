// Many-to-many through a join model (docs' PostTag), self-relations
// (hasMany/belongsTo and hasOne/belongsTo on the same model), and
// relationships between models that both have custom identifiers (single and
// composite), including a join model with a composite identifier.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    // Many-to-many (docs).
    PostTag: a.model({
      postId: a.id().required(),
      tagId: a.id().required(),
      post: a.belongsTo('Post', 'postId'),
      tag: a.belongsTo('Tag', 'tagId'),
    }),
    Post: a.model({
      title: a.string(),
      content: a.string(),
      tags: a.hasMany('PostTag', 'postId'),
    }),
    Tag: a.model({
      name: a.string(),
      posts: a.hasMany('PostTag', 'tagId'),
    }),

    // Self-relations: org chart and a linked list.
    Employee: a.model({
      name: a.string().required(),
      managerId: a.id(),
      manager: a.belongsTo('Employee', 'managerId'),
      reports: a.hasMany('Employee', 'managerId'),
      mentorId: a.id(),
      mentor: a.belongsTo('Employee', 'mentorId'),
      mentee: a.hasOne('Employee', 'mentorId'),
    }),

    // Custom identifiers on both sides.
    Library: a
      .model({
        libraryCode: a.string().required(),
        name: a.string(),
        shelves: a.hasMany('Shelf', 'libraryCode'),
      })
      .identifier(['libraryCode']),

    Shelf: a
      .model({
        libraryCode: a.string().required(),
        shelfNumber: a.integer().required(),
        library: a.belongsTo('Library', 'libraryCode'),
        placements: a.hasMany('BookPlacement', ['shelfLibraryCode', 'shelfNumber']),
      })
      .identifier(['libraryCode', 'shelfNumber']),

    Book: a
      .model({
        isbn: a.string().required(),
        title: a.string().required(),
        placements: a.hasMany('BookPlacement', 'isbn'),
      })
      .identifier(['isbn']),

    // Join model between two custom-identifier models, itself with a composite identifier.
    BookPlacement: a
      .model({
        isbn: a.string().required(),
        shelfLibraryCode: a.string().required(),
        shelfNumber: a.integer().required(),
        copies: a.integer(),
        book: a.belongsTo('Book', 'isbn'),
        shelf: a.belongsTo('Shelf', ['shelfLibraryCode', 'shelfNumber']),
      })
      .identifier(['isbn', 'shelfLibraryCode', 'shelfNumber']),
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
