import { defineAuth, secret } from '@aws-amplify/backend';
import { postConfirmation } from '../functions/post-confirmation/resource';

export const auth = defineAuth({
  loginWith: {
    email: {
      verificationEmailSubject: 'Welcome',
      verificationEmailBody: (createCode: () => string) => `Your code is ${createCode()}`,
    },
    externalProviders: {
      google: { clientId: secret('GOOGLE_CLIENT_ID'), clientSecret: secret('GOOGLE_CLIENT_SECRET') },
      callbackUrls: ['http://localhost:3000/'],
      logoutUrls: ['http://localhost:3000/'],
    },
  },
  userAttributes: { preferredUsername: { required: false, mutable: true } },
  multifactor: { mode: 'OPTIONAL', totp: true },
  accountRecovery: 'EMAIL_ONLY',
  groups: ['ADMINS', 'EDITORS'],
  triggers: { postConfirmation },
  access: (allow) => [allow.resource(postConfirmation).to(['addUserToGroup'])],
});
