import { defineAuth } from '@aws-amplify/backend';

export const auth = defineAuth({
  loginWith: {
    email: {
      verificationEmailSubject: 'Welcome to the blog',
    },
  },
  userAttributes: {
    preferredUsername: { required: false, mutable: true },
  },
  groups: ['EDITORS', 'ADMINS'],
});
