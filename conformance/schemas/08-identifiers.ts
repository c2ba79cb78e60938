// Identifiers (docs: "Customize data model identifiers"): the default id, an
// explicit id field, single-field identifiers of type id and string, composite
// identifiers (docs' StoreBranch), and composite identifiers whose sort-key
// fields use every other scalar that can be a key.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    // Default identifier.
    Todo: a.model({
      content: a.string(),
      completed: a.boolean(),
    }),

    // Explicitly declared id (docs: Working with files, `id: a.id().required()`).
    Song: a.model({
      id: a.id().required(),
      name: a.string().required(),
      coverArtPath: a.string(),
    }),

    // Single-field identifier, id type.
    Task: a
      .model({
        todoId: a.id().required(),
        content: a.string(),
        completed: a.boolean(),
      })
      .identifier(['todoId']),

    // Single-field identifier, string type.
    Country: a
      .model({
        isoCode: a.string().required(),
        name: a.string().required(),
      })
      .identifier(['isoCode']),

    // Composite identifier (docs).
    StoreBranch: a
      .model({
        geoId: a.id().required(),
        name: a.string().required(),
        country: a.string(),
        state: a.string(),
        city: a.string(),
        zipCode: a.string(),
        streetAddress: a.string(),
      })
      .identifier(['geoId', 'name']),

    // Composite identifiers with sort keys of every other key-able scalar.
    Reading: a
      .model({
        sensorId: a.string().required(),
        sequence: a.integer().required(),
        value: a.float(),
      })
      .identifier(['sensorId', 'sequence']),

    Measurement: a
      .model({
        stationId: a.id().required(),
        depth: a.float().required(),
        day: a.date().required(),
        value: a.float(),
      })
      .identifier(['stationId', 'depth', 'day']),

    Shift: a
      .model({
        rosterId: a.string().required(),
        startsAt: a.time().required(),
        on: a.datetime().required(),
        loggedAt: a.timestamp().required(),
      })
      .identifier(['rosterId', 'startsAt', 'on', 'loggedAt']),

    Contact: a
      .model({
        email: a.email().required(),
        phone: a.phone().required(),
        site: a.url().required(),
        ip: a.ipAddress().required(),
        displayName: a.string(),
      })
      .identifier(['email', 'phone', 'site', 'ip']),

    // Integer partition key.
    Invoice: a
      .model({
        number: a.integer().required(),
        total: a.float(),
      })
      .identifier(['number']),
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
