// OpenID Connect (docs: "Use OpenID Connect as an authorization provider"):
// owner('oidc').identityClaim, authenticated('oidc'), groups(..., 'oidc') with
// withClaimIn, and the other dynamic rules with the oidc provider. Default
// mode: oidc.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

const schema = a.schema({
  Todo: a
    .model({
      content: a.string(),
    })
    .authorization((allow) => [
      allow.owner('oidc').identityClaim('user_id'),
      allow.authenticated('oidc'),
      allow.groups(['testGroupName'], 'oidc').withClaimIn('user_groups'),
    ]),

  Workspace: a
    .model({
      name: a.string().required(),
      admin: a.string(),
      members: a.string().array(),
      tenant: a.string(),
      tenants: a.string().array(),
    })
    .authorization((allow) => [
      allow.ownerDefinedIn('admin', 'oidc').identityClaim('sub'),
      allow.ownersDefinedIn('members', 'oidc').identityClaim('email').to(['read']),
      allow.group('Operators', 'oidc').withClaimIn('roles').to(['read', 'delete']),
      allow.groupDefinedIn('tenant', 'oidc').withClaimIn('tenant_id'),
      allow.groupsDefinedIn('tenants', 'oidc').withClaimIn('tenant_ids').to(['read']),
      allow.authenticated('oidc').to(['read']),
    ]),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'oidc',
    oidcAuthorizationMode: {
      oidcProviderName: 'oidc-provider-name',
      oidcIssuerUrl: 'https://example.com',
      clientId: 'client-id',
      tokenExpiryFromAuthInSeconds: 300,
      tokenExpireFromIssueInSeconds: 600,
    },
  },
});
