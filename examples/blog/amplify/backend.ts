import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';
import { storage } from './storage/resource';
import { sayHello } from './functions/say-hello/resource';

const backend = defineBackend({
  auth,
  data,
  storage,
  sayHello,
});

backend.addOutput({
  custom: {
    blogTitle: 'The ampbase blog',
  },
});
