// Enums and custom types (docs: "Add fields to data model"): named enums
// referenced with a.ref, inline enums, named custom types shared by several
// models, inline custom types, custom types nested in custom types (named and
// inline), enums inside custom types, arrays and required refs.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    // Long-form enum, shared by two models.
    PrivacySetting: a.enum(['PRIVATE', 'FRIENDS_ONLY', 'PUBLIC']),

    Currency: a.enum(['USD', 'EUR', 'JPY']),

    // Named custom type, shared.
    Location: a.customType({
      lat: a.float(),
      long: a.float(),
    }),

    Money: a.customType({
      amount: a.float().required(),
      currency: a.ref('Currency').required(),
    }),

    // Named custom type nesting a named one (ref), an inline one and an inline enum.
    Address: a.customType({
      street: a.string(),
      city: a.string().required(),
      country: a.string().required(),
      location: a.ref('Location'),
      geo: a.customType({
        precision: a.integer(),
        source: a.enum(['GPS', 'IP', 'MANUAL']),
        bounds: a.customType({
          north: a.float(),
          south: a.float(),
        }),
      }),
      tags: a.string().array(),
    }),

    // Short-hand (inline) enum and inline custom type, as in the docs.
    Post: a.model({
      content: a.string(),
      privacySetting: a.enum(['PRIVATE', 'FRIENDS_ONLY', 'PUBLIC']),
      location: a.customType({
        lat: a.float(),
        long: a.float(),
      }),
    }),

    Video: a.model({
      privacySetting: a.ref('PrivacySetting'),
    }),

    User: a.model({
      name: a.string().required(),
      lastKnownLocation: a.ref('Location'),
      privacy: a.ref('PrivacySetting').required(),
      homeAddress: a.ref('Address').required(),
      otherAddresses: a.ref('Address').array(),
      visitedPlaces: a.ref('Location').required().array().required(),
      favoriteCurrencies: a.ref('Currency').array(),
      balance: a.ref('Money'),
      preferences: a.customType({
        theme: a.enum(['LIGHT', 'DARK', 'SYSTEM']),
        notifications: a.customType({
          email: a.boolean(),
          push: a.boolean(),
          quietHours: a.customType({
            from: a.time(),
            to: a.time(),
          }),
        }),
        language: a.string(),
      }),
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
