import { a } from '@aws-amplify/backend';

export const schema = a
  .schema({
    Profile: a.customType({ name: a.string(), address: a.ref('Addr'), extra: a.customType({ k: a.string() }) }),
    Addr: a.customType({ city: a.string() }),
    me: a.query().returns(a.ref('Profile')).authorization((allow) => [allow.authenticated()]).handler(a.handler.function('existing-fn')),
    you: a.query().returns(a.ref('Profile')).authorization((allow) => [allow.groups(['Admin'])]).handler(a.handler.custom({ entry: './you.js' })),
    ping: a.query().returns(a.string()).authorization((allow) => [allow.guest()]).handler(a.handler.function('p')),
    Thing: a.model({ owner: a.string(), x: a.json(), when: a.timestamp().default(5) }).authorization((allow) => [allow.owner().to(['create', 'read'])]),
  });
