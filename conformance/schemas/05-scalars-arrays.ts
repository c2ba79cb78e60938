// Every scalar type (docs: "Add fields to data model") in every
// required/array combination: optional, required, array of optional items,
// array of required items, required array, required array of required items.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    // Optional and required scalars.
    ScalarBox: a.model({
      idValue: a.id(),
      stringValue: a.string(),
      integerValue: a.integer(),
      floatValue: a.float(),
      booleanValue: a.boolean(),
      dateValue: a.date(),
      timeValue: a.time(),
      datetimeValue: a.datetime(),
      timestampValue: a.timestamp(),
      emailValue: a.email(),
      jsonValue: a.json(),
      phoneValue: a.phone(),
      urlValue: a.url(),
      ipAddressValue: a.ipAddress(),
      requiredId: a.id().required(),
      requiredString: a.string().required(),
      requiredInteger: a.integer().required(),
      requiredFloat: a.float().required(),
      requiredBoolean: a.boolean().required(),
      requiredDate: a.date().required(),
      requiredTime: a.time().required(),
      requiredDatetime: a.datetime().required(),
      requiredTimestamp: a.timestamp().required(),
      requiredEmail: a.email().required(),
      requiredJson: a.json().required(),
      requiredPhone: a.phone().required(),
      requiredUrl: a.url().required(),
      requiredIpAddress: a.ipAddress().required(),
    }),

    // Arrays: [T], [T!], [T]!, [T!]! for every scalar.
    ArrayBox: a.model({
      ids: a.id().array(),
      strings: a.string().array(),
      integers: a.integer().array(),
      floats: a.float().array(),
      booleans: a.boolean().array(),
      dates: a.date().array(),
      times: a.time().array(),
      datetimes: a.datetime().array(),
      timestamps: a.timestamp().array(),
      emails: a.email().array(),
      jsons: a.json().array(),
      phones: a.phone().array(),
      urls: a.url().array(),
      ipAddresses: a.ipAddress().array(),

      idsOfRequired: a.id().required().array(),
      stringsOfRequired: a.string().required().array(),
      integersOfRequired: a.integer().required().array(),
      floatsOfRequired: a.float().required().array(),
      booleansOfRequired: a.boolean().required().array(),
      datesOfRequired: a.date().required().array(),
      timesOfRequired: a.time().required().array(),
      datetimesOfRequired: a.datetime().required().array(),
      timestampsOfRequired: a.timestamp().required().array(),
      emailsOfRequired: a.email().required().array(),
      jsonsOfRequired: a.json().required().array(),
      phonesOfRequired: a.phone().required().array(),
      urlsOfRequired: a.url().required().array(),
      ipAddressesOfRequired: a.ipAddress().required().array(),

      requiredIds: a.id().array().required(),
      requiredStrings: a.string().array().required(),
      requiredIntegers: a.integer().array().required(),
      requiredFloats: a.float().array().required(),
      requiredBooleans: a.boolean().array().required(),
      requiredDates: a.date().array().required(),
      requiredTimes: a.time().array().required(),
      requiredDatetimes: a.datetime().array().required(),
      requiredTimestamps: a.timestamp().array().required(),
      requiredEmails: a.email().array().required(),
      requiredJsons: a.json().array().required(),
      requiredPhones: a.phone().array().required(),
      requiredUrls: a.url().array().required(),
      requiredIpAddresses: a.ipAddress().array().required(),

      requiredIdsOfRequired: a.id().required().array().required(),
      requiredStringsOfRequired: a.string().required().array().required(),
      requiredIntegersOfRequired: a.integer().required().array().required(),
      requiredFloatsOfRequired: a.float().required().array().required(),
      requiredBooleansOfRequired: a.boolean().required().array().required(),
      requiredDatesOfRequired: a.date().required().array().required(),
      requiredTimesOfRequired: a.time().required().array().required(),
      requiredDatetimesOfRequired: a.datetime().required().array().required(),
      requiredTimestampsOfRequired: a.timestamp().required().array().required(),
      requiredEmailsOfRequired: a.email().required().array().required(),
      requiredJsonsOfRequired: a.json().required().array().required(),
      requiredPhonesOfRequired: a.phone().required().array().required(),
      requiredUrlsOfRequired: a.url().required().array().required(),
      requiredIpAddressesOfRequired: a.ipAddress().required().array().required(),
    }),

    // The docs' Todo with a required field and an array field.
    Todo: a.model({
      content: a.string().required(),
      notes: a.string().array(),
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
