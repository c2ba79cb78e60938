import { defineFunction, secret } from '@aws-amplify/backend';

export const reportEnv = defineFunction({
  name: 'report-env',
  environment: {
    GREETING: 'Bonjour',
    API_TOKEN: secret('API_TOKEN'),
  },
});
