import { a, defineFunction } from '@aws-amplify/backend';

const fnA = defineFunction({ name: 'fn-a', entry: './a.ts' });
const fnB = defineFunction({ name: 'fn-b', entry: './b.ts' });

export const schema = a
  .schema({
    Status: a.enum(['OPEN', 'CLOSED']),
    Address: a.customType({
      street: a.string().required(),
      geo: a.customType({ lat: a.float(), lng: a.float() }),
      kind: a.enum(['HOME', 'WORK']),
    }),
    Ticket: a
      .model({
        ticketId: a.id().required(),
        seq: a.integer().required(),
        title: a.string().validate((v) => v.minLength(3, 'too short').maxLength(80)),
        score: a.float().validate((v) => v.gte(0).lt(10)),
        status: a.ref('Status'),
        priority: a.enum(['LOW', 'HIGH']),
        address: a.ref('Address'),
        inline: a.customType({ a: a.string(), nested: a.customType({ b: a.integer() }) }),
        tags: a.string().array().required(),
        flags: a.boolean().required().array().required(),
        note: a.string().default('he said "hi"'),
        secret: a.string().authorization((allow) => [allow.owner().identityClaim('sub').to(['read']), allow.groups(['A', 'B']).withClaimIn('grp')]),
        editors: a.string().array(),
      })
      .identifier(['ticketId', 'seq'])
      .secondaryIndexes((index) => [
        index('status').sortKeys(['seq']).name('byStatus').projection('KEYS_ONLY'),
        index('title').queryField(null),
        index('priority').projection('INCLUDE', ['title', 'score']),
        index('status').queryField('ticketsByStatus'),
      ])
      .disableOperations(['onDelete', 'list', 'subscriptions', 'update'])
      .authorization((allow) => [
        allow.ownersDefinedIn('editors').to(['read', 'update']),
        allow.groupsDefinedIn('teams', 'oidc'),
        allow.custom('function'),
        allow.authenticated('identityPool'),
        allow.guest().to(['read']),
      ]),
    Result: a.customType({ ok: a.boolean(), address: a.ref('Address') }),
    search: a
      .query()
      .arguments({
        where: a.ref('Address'),
        status: a.ref('Status').required(),
        kind: a.enum(['A', 'B']),
        filter: a.customType({ text: a.string(), sub: a.customType({ mode: a.enum(['X', 'Y']) }) }),
        limits: a.integer().array(),
      })
      .returns(a.ref('Result').array())
      .authorization((allow) => [allow.groups(['Admin']), allow.group('Ops'), allow.authenticated()])
      .handler([a.handler.function(fnA), a.handler.function(fnB)]),
    pick: a
      .query()
      .returns(a.enum(['ONE', 'TWO']))
      .authorization((allow) => [allow.groups(['Admin']), allow.custom()])
      .handler(a.handler.custom({ entry: './pick.js' })),
    fire: a
      .mutation()
      .arguments({ n: a.integer() })
      .authorization((allow) => [allow.publicApiKey()])
      .handler(a.handler.function(fnA).async()),
    nested: a
      .mutation()
      .returns(a.customType({ inner: a.customType({ x: a.string() }), addr: a.ref('Address') }))
      .authorization((allow) => [allow.publicApiKey(), allow.groups(['G'])])
      .handler(a.handler.custom({ dataSource: 'NONE_DS', entry: './n.js' })),
    onNested: a
      .subscription()
      .for(a.ref('nested'))
      .authorization((allow) => [allow.publicApiKey()])
      .handler(a.handler.custom({ entry: './s.js' })),
  })
  .authorization((allow) => [allow.publicApiKey(), allow.resource(fnB).to(['query'])]);
