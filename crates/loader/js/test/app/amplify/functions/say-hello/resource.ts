import { defineFunction, secret } from '@aws-amplify/backend';

export const sayHello = defineFunction({
  timeoutSeconds: 10,
  environment: { NAME: 'World', API_KEY: secret('API_KEY') },
  schedule: 'every 5m',
});
