import { defineFunction, secret } from '@aws-amplify/backend';

export const sayHello = defineFunction({
  name: 'say-hello',
  timeoutSeconds: 10,
  environment: {
    GREETING: 'Hello',
    API_TOKEN: secret('API_TOKEN'),
  },
});
