// Rule placement (docs: "Customize your auth rules"): a global (schema-level)
// rule applied to models without rules, model-level rules overriding it, and
// field-level rules (which do not inherit model rules) with .to([...]) on
// scalar, enum, custom-type, relationship and custom-identifier fields.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a
  .schema({
    // Uses the global rule.
    Todo: a.model({
      content: a.string(),
    }),

    // Model-level rule replaces the global one.
    Notes: a
      .model({
        content: a.string(),
      })
      .authorization((allow) => [allow.publicApiKey().to(['read'])]),

    // Docs' Employee: ssn protected by an owner-only field rule.
    Employee: a
      .model({
        name: a.string(),
        email: a.string(),
        ssn: a.string().authorization((allow) => [allow.owner()]),
      })
      .authorization((allow) => [allow.authenticated().to(['read']), allow.owner()]),

    Level: a.enum(['JUNIOR', 'SENIOR', 'PRINCIPAL']),

    Compensation: a.customType({
      base: a.float(),
      bonus: a.float(),
    }),

    Department: a.model({
      name: a.string().required(),
      staff: a.hasMany('StaffMember', 'departmentId'),
    }),

    // Field rules of many kinds on one model, custom identifier.
    StaffMember: a
      .model({
        // Field rules on required fields (needed because field rules below
        // grant providers that the model rules do not).
        badgeId: a.string().required().authorization((allow) => [
          allow.owner(),
          allow.groups(['HR']),
          allow.authenticated().to(['read']),
          allow.guest().to(['read']),
          allow.publicApiKey().to(['read']),
        ]),
        fullName: a.string().required().authorization((allow) => [
          allow.owner(),
          allow.groups(['HR']),
          allow.authenticated().to(['read']),
          allow.guest().to(['read']),
          allow.publicApiKey().to(['read']),
        ]),
        level: a.ref('Level').authorization((allow) => [
          allow.authenticated().to(['read']),
          allow.groups(['HR']),
        ]),
        compensation: a.ref('Compensation').authorization((allow) => [allow.groups(['HR', 'Finance'])]),
        phone: a.phone().authorization((allow) => [
          allow.owner().to(['read', 'update']),
          allow.groups(['HR']).to(['read']),
          allow.guest().to(['read']),
        ]),
        notes: a.string().array().authorization((allow) => [allow.groupDefinedIn('team').to(['read'])]),
        team: a.string(),
        departmentId: a.id(),
        department: a.belongsTo('Department', 'departmentId'),
        publicBio: a.string().authorization((allow) => [
          allow.publicApiKey().to(['read']),
          allow.authenticated(),
          allow.ownersDefinedIn('editors'),
        ]),
        editors: a.string().array(),
      })
      .identifier(['badgeId'])
      .authorization((allow) => [
        allow.owner(),
        allow.groups(['HR']),
        allow.groupDefinedIn('team').to(['read']),
        allow.ownersDefinedIn('editors').to(['read', 'update']),
      ]),
  })
  .authorization((allow) => [allow.publicApiKey()]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
