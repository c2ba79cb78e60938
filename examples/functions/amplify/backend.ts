import { defineBackend } from '@aws-amplify/backend';
import { data } from './data/resource';
import { sayHello } from './functions/say-hello/resource';
import { reportEnv } from './functions/report-env/resource';
import { fail } from './functions/fail/resource';
import { slow } from './functions/slow/resource';
import { usesPackage } from './functions/uses-package/resource';
import { notify } from './functions/notify/resource';

defineBackend({ data, sayHello, reportEnv, fail, slow, usesPackage, notify });
