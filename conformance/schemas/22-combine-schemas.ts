// a.combine([...]) of two DynamoDB schemas (docs: "Connect your app to
// existing MySQL and PostgreSQL database" combines a DynamoDB schema with a
// SQL one; SQL is out of scope, so both parts here are DynamoDB), each with
// its own schema-level authorization, a reference across the parts from a
// custom operation.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const catalogSchema = a
  .schema({
    Category: a.enum(['BOOKS', 'MUSIC', 'GAMES']),
    Item: a
      .model({
        name: a.string().required(),
        category: a.ref('Category'),
        price: a.float(),
        reviews: a.hasMany('Review', 'itemId'),
      })
      .secondaryIndexes((index) => [index('category').sortKeys(['price'])]),
    Review: a.model({
      itemId: a.id().required(),
      item: a.belongsTo('Item', 'itemId'),
      stars: a.integer().required(),
      text: a.string(),
    }),
  })
  .authorization((allow) => [allow.publicApiKey().to(['read']), allow.authenticated()]);

const accountSchema = a
  .schema({
    Wishlist: a
      .model({
        title: a.string().required(),
        itemIds: a.id().array(),
      })
      .authorization((allow) => [allow.owner()]),
    Preferences: a.customType({
      currency: a.string(),
      newsletter: a.boolean(),
    }),
    myPreferences: a
      .query()
      .returns(a.ref('Preferences'))
      .authorization((allow) => [allow.authenticated()])
      .handler(a.handler.custom({ entry: './my-preferences.js' })),
  })
  .authorization((allow) => [allow.authenticated()]);

export const combinedSchema = a.combine([catalogSchema, accountSchema]);

export type Schema = ClientSchema<typeof combinedSchema>;

export const data = defineData({
  schema: combinedSchema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
