// Secondary indexes (docs: "Customize secondary indexes"): hash-only, sort
// keys (one and several), custom queryField, custom index name, several
// indexes on one model, an index on an enum field and on enum sort keys,
// indexes on custom-identifier models, and numeric/date sort keys.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  // The docs' Customer, with every documented index modifier.
  Customer: a
    .model({
      name: a.string(),
      phoneNumber: a.phone(),
      accountRepresentativeId: a.id().required(),
      region: a.string(),
    })
    .secondaryIndexes((index) => [
      index('accountRepresentativeId'),
      index('accountRepresentativeId').sortKeys(['name']).queryField('listByRep'),
      index('region').sortKeys(['name', 'phoneNumber']).name('MyCustomIndexName'),
      index('name'),
    ])
    .authorization((allow) => [allow.owner()]),

  TicketStatus: a.enum(['OPEN', 'IN_PROGRESS', 'CLOSED']),

  // Index on an enum field, enum as sort key, numeric and datetime sort keys.
  Ticket: a
    .model({
      title: a.string().required(),
      status: a.ref('TicketStatus').required(),
      priority: a.integer().required(),
      severity: a.enum(['LOW', 'MEDIUM', 'HIGH']),
      assignee: a.string(),
      dueDate: a.date(),
      createdOn: a.datetime(),
      score: a.float(),
    })
    .secondaryIndexes((index) => [
      index('status'),
      index('status').sortKeys(['priority']).queryField('ticketsByStatusAndPriority'),
      index('severity').sortKeys(['createdOn']).name('bySeverity'),
      index('assignee').sortKeys(['status', 'dueDate']),
      index('priority').sortKeys(['score']),
    ])
    .authorization((allow) => [allow.publicApiKey(), allow.authenticated()]),

  // Indexes on a model with a composite custom identifier.
  Product: a
    .model({
      sku: a.string().required(),
      warehouseId: a.id().required(),
      category: a.string().required(),
      price: a.float().required(),
      name: a.string(),
      releasedOn: a.date(),
    })
    .identifier(['sku', 'warehouseId'])
    .secondaryIndexes((index) => [
      index('category').sortKeys(['price']),
      index('warehouseId').queryField('productsInWarehouse'),
      index('name').sortKeys(['releasedOn', 'price']).name('byNameReleasePrice').queryField('productsByName'),
    ])
    .authorization((allow) => [allow.publicApiKey()]),

  // Index on a single-field custom identifier model.
  Answer: a
    .model({
      answerId: a.id().required(),
      formId: a.id().required(),
      questionId: a.string(),
      value: a.string(),
    })
    .identifier(['answerId'])
    .secondaryIndexes((index) => [
      index('formId').name('AnswersByFormId'),
      index('questionId').sortKeys(['formId']),
    ])
    .authorization((allow) => [allow.authenticated()]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
