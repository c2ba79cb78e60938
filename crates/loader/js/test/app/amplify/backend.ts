import { defineBackend } from '@aws-amplify/backend';
import { auth } from './auth/resource';
import { data } from './data/resource';
import { storage } from './storage/resource';
import { sayHello } from './functions/say-hello/resource';

const backend = defineBackend({ auth, data, storage, sayHello });

backend.addOutput({ custom: { api_name: 'demo' } });
backend.addOutput({ custom: { region: 'local' }, version: '1.3' });

const { cfnUserPool } = backend.auth.resources.cfnResources;
cfnUserPool.policies = { passwordPolicy: { minimumLength: 32 } };

const stack = backend.createStack('custom');
void stack;
backend.sayHello.addEnvironment('GREETING', 'hi');
