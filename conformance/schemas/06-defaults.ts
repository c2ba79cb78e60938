// .default(...) on every scalar kind (docs: "Assign default values for
// fields"). Defaults on custom operation arguments and on arrays are rejected
// by the transformer (see conformance/errors/).
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    Todo: a.model({
      content: a.string().default('My new Todo'),
    }),

    Settings: a.model({
      label: a.string().default('untitled'),
      externalId: a.id().default('ext-0001'),
      retries: a.integer().default(3),
      negative: a.integer().default(-1),
      ratio: a.float().default(0.75),
      enabled: a.boolean().default(true),
      archived: a.boolean().default(false),
      startsOn: a.date().default('2024-01-01'),
      remindAt: a.time().default('09:30:00.000Z'),
      launchAt: a.datetime().default('2024-01-01T12:00:00.000Z'),
      epoch: a.timestamp().default(1704110400),
      contact: a.email().default('support@example.com'),
      config: a.json().default('[1,2,3]'),
      hotline: a.phone().default('+1 206-555-0100'),
      homepage: a.url().default('https://example.com'),
      allowedIp: a.ipAddress().default('192.168.0.1'),
      emptyString: a.string().default(''),
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
