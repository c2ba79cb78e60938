import { a } from '@aws-amplify/backend';

export const schema = a
  .schema({
    Team: a
      .model({
        org: a.string().required(),
        code: a.string().required(),
        members: a.hasMany('Member', ['teamOrg', 'teamCode']).valueRequired(),
        lead: a.hasOne('Lead', ['teamOrg', 'teamCode']).required(),
      })
      .identifier(['org', 'code']),
    Member: a.model({
      teamOrg: a.string(),
      teamCode: a.string(),
      team: a.belongsTo('Team', ['teamOrg', 'teamCode']).authorization((allow) => [allow.owner()]),
    }),
    Lead: a.model({ teamOrg: a.string(), teamCode: a.string(), team: a.belongsTo('Team', ['teamOrg', 'teamCode']) }),
    Node: a.model({ parentId: a.id(), parent: a.belongsTo('Node', 'parentId'), children: a.hasMany('Node', 'parentId') }),
  })
  .authorization((allow) => [allow.owner('oidc').identityClaim('user_id'), allow.groups(['Admins'], 'oidc').withClaimIn('groups')]);
