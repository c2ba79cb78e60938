// Authorization rule builders: the `allow` object handed to
// `.authorization(allow => [...])` of schemas, models, fields, refs,
// relationships and custom operations.
//
// Mirrors @aws-amplify/data-schema 1.26.2 `Authorization.ts`: a rule carries
// { strategy, provider, operations, groupOrOwnerField, groups, multiOwner,
// identityClaim, groupClaim }; `.to()`, `.identityClaim()` and `.withClaimIn()`
// each return a copy of the rule without that method (so they can be chained
// once each), sharing the same data.

import { INTERNAL, strict, internal, describeValue } from '../strict.js';
import { registerRuntimeModule } from '../runtime.js';

registerRuntimeModule(new Error().stack);

export const PROVIDERS = ['apiKey', 'identityPool', 'userPools', 'oidc', 'function'];
const PRIVATE_PROVIDERS = ['userPools', 'oidc', 'identityPool'];
const OWNER_PROVIDERS = ['userPools', 'oidc'];
// The transformer only accepts these for `allow: groups` (the official
// data-schema package does not check it, the Amplify transformer rejects it).
const GROUP_PROVIDERS = ['userPools', 'oidc'];
const CUSTOM_PROVIDERS = ['function'];

export const OPERATIONS = ['create', 'update', 'delete', 'read', 'get', 'list', 'sync', 'listen', 'search'];
export const RESOURCE_OPERATIONS = ['query', 'mutate', 'listen'];

function checkProvider(rule, provider, allowed) {
  if (provider !== undefined && !allowed.includes(provider)) {
    throw new Error(
      `allow.${rule}(${JSON.stringify(provider)}): invalid provider ${JSON.stringify(provider)}; ` +
        `allow.${rule}() accepts ${allowed.map((p) => `'${p}'`).join(', ')} (or no argument for the default).`,
    );
  }
}

function checkFieldName(rule, field) {
  if (typeof field !== 'string' || field === '') {
    throw new Error(`allow.${rule}() needs the name of a field of the model, got ${describeValue(field)}.`);
  }
}

function checkGroups(rule, groups) {
  if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string')) {
    throw new Error(`allow.${rule}() needs an array of group names, e.g. allow.${rule}(['Admin']); got ${describeValue(groups)}.`);
  }
}

function checkOperations(label, ops, valid) {
  if (!Array.isArray(ops)) {
    throw new Error(`${label}.to() needs an array of operations, e.g. .to(['${valid[0]}']); got ${describeValue(ops)}. Valid operations: ${valid.join(', ')}.`);
  }
  for (const op of ops) {
    if (!valid.includes(op)) {
      throw new Error(`${label}.to(): '${op}' is not a valid operation. Valid operations: ${valid.join(', ')}.`);
    }
  }
}

/**
 * Builds a rule object. `methods` names the chainable modifiers still
 * available on this rule (`to`, `identityClaim`, `withClaimIn`).
 */
function makeRule(label, data, methods) {
  const rule = {};
  Object.defineProperty(rule, INTERNAL, {
    value: { kind: 'authRule', data, label, describe: () => `${label}` },
  });
  const without = (name) => makeRule(label, data, methods.filter((m) => m !== name));
  if (methods.includes('to')) {
    rule.to = (operations) => {
      checkOperations(label, operations, data.strategy === 'resource' ? RESOURCE_OPERATIONS : OPERATIONS);
      data.operations = operations;
      return without('to');
    };
  }
  if (methods.includes('identityClaim')) {
    rule.identityClaim = (claim) => {
      if (typeof claim !== 'string') throw new Error(`${label}.identityClaim() needs the claim name as a string, got ${describeValue(claim)}.`);
      data.identityClaim = claim;
      return without('identityClaim');
    };
  }
  if (methods.includes('withClaimIn')) {
    rule.withClaimIn = (claim) => {
      if (typeof claim !== 'string') throw new Error(`${label}.withClaimIn() needs the claim name as a string, got ${describeValue(claim)}.`);
      data.groupClaim = claim;
      return without('withClaimIn');
    };
  }
  const all = ['to', 'identityClaim', 'withClaimIn'];
  return strict(rule, (name) => `${label}.${name} is not a function of this authorization rule`, {
    prefix: '.',
    suffix: '()',
    explain: (name) =>
      all.includes(name) ? `.${name}() is not available here (it was already called, or this kind of rule does not support it)` : '',
  });
}

function ruleData(defaults) {
  return {
    strategy: 'public',
    provider: undefined,
    operations: undefined,
    groupOrOwnerField: undefined,
    multiOwner: false,
    identityClaim: undefined,
    groups: undefined,
    ...defaults,
  };
}

/** Creates an `allow` object; `kind` is 'schema' | 'model' | 'field' | 'operation'. */
export function makeAllow(kind) {
  const forOperation = kind === 'operation';
  // Custom operations only get rules without modifiers (official: allowForCustomOperations).
  const m = (methods) => (forOperation ? [] : methods);
  const allow = {
    publicApiKey() {
      return makeRule('allow.publicApiKey()', ruleData({ strategy: 'public', provider: 'apiKey' }), m(['to']));
    },
    guest() {
      return makeRule('allow.guest()', ruleData({ strategy: 'public', provider: 'identityPool' }), m(['to']));
    },
    authenticated(provider) {
      checkProvider('authenticated', provider, PRIVATE_PROVIDERS);
      return makeRule(`allow.authenticated(${provider ? `'${provider}'` : ''})`, ruleData({ strategy: 'private', provider }), m(['to']));
    },
    owner(provider) {
      checkProvider('owner', provider, OWNER_PROVIDERS);
      return makeRule('allow.owner()', ruleData({ strategy: 'owner', provider, groupOrOwnerField: 'owner' }), m(['to', 'identityClaim']));
    },
    ownerDefinedIn(ownerField, provider) {
      checkFieldName('ownerDefinedIn', ownerField);
      checkProvider('ownerDefinedIn', provider, OWNER_PROVIDERS);
      return makeRule(`allow.ownerDefinedIn('${ownerField}')`, ruleData({ strategy: 'owner', provider, groupOrOwnerField: ownerField }), m(['to', 'identityClaim']));
    },
    ownersDefinedIn(ownersField, provider) {
      checkFieldName('ownersDefinedIn', ownersField);
      checkProvider('ownersDefinedIn', provider, OWNER_PROVIDERS);
      return makeRule(
        `allow.ownersDefinedIn('${ownersField}')`,
        ruleData({ strategy: 'owner', provider, groupOrOwnerField: ownersField, multiOwner: true }),
        m(['to', 'identityClaim']),
      );
    },
    group(group, provider) {
      if (typeof group !== 'string') throw new Error(`allow.group() needs a group name string, got ${describeValue(group)}; use allow.groups([...]) for several groups.`);
      checkProvider('group', provider, GROUP_PROVIDERS);
      return makeRule(`allow.group('${group}')`, ruleData({ strategy: 'groups', provider, groups: [group] }), m(['to', 'withClaimIn']));
    },
    groups(groups, provider) {
      checkGroups('groups', groups);
      checkProvider('groups', provider, GROUP_PROVIDERS);
      return makeRule(`allow.groups(${JSON.stringify(groups)})`, ruleData({ strategy: 'groups', provider, groups }), m(['to', 'withClaimIn']));
    },
    groupDefinedIn(groupsField, provider) {
      checkFieldName('groupDefinedIn', groupsField);
      checkProvider('groupDefinedIn', provider, GROUP_PROVIDERS);
      return makeRule(`allow.groupDefinedIn('${groupsField}')`, ruleData({ strategy: 'groups', provider, groupOrOwnerField: groupsField }), m(['to', 'withClaimIn']));
    },
    groupsDefinedIn(groupsField, provider) {
      checkFieldName('groupsDefinedIn', groupsField);
      checkProvider('groupsDefinedIn', provider, GROUP_PROVIDERS);
      return makeRule(
        `allow.groupsDefinedIn('${groupsField}')`,
        ruleData({ strategy: 'groups', provider, groupOrOwnerField: groupsField, multiOwner: true }),
        m(['to', 'withClaimIn']),
      );
    },
    custom(provider) {
      checkProvider('custom', provider, CUSTOM_PROVIDERS);
      return makeRule('allow.custom()', ruleData({ strategy: 'custom', provider }), m(['to']));
    },
    resource(fn) {
      const fnState = internal(fn);
      if (!fnState || fnState.kind !== 'function') {
        throw new Error(`allow.resource() needs a function defined with defineFunction(...), got ${describeValue(fn)}.`);
      }
      return makeRule(`allow.resource(${fnState.name})`, { strategy: 'resource', resource: fn, operations: undefined }, ['to']);
    },
  };

  const operationRules = ['publicApiKey', 'guest', 'authenticated', 'group', 'groups', 'custom'];
  if (forOperation) {
    for (const key of Object.keys(allow)) if (!operationRules.includes(key)) delete allow[key];
  } else if (kind !== 'schema') {
    // Only schema-level rules may grant a function access (official: `allow` without `resource`).
    delete allow.resource;
  }

  const where = {
    schema: 'a.schema(...).authorization()',
    model: 'a.model(...).authorization()',
    field: 'field-level .authorization()',
    operation: 'custom operation (a.query/a.mutation/a.subscription) .authorization()',
  }[kind];
  return strict(allow, (name) => `allow.${name} is not a function: no such authorization rule in ${where}`, {
    prefix: 'allow.',
    suffix: '()',
    explain: (name) => {
      if (name === 'resource') return 'allow.resource(fn) is only allowed at schema level: a.schema({...}).authorization(allow => [allow.resource(fn)])';
      if (forOperation && name in ALL_RULES) return 'custom operations accept only publicApiKey, guest, authenticated, group, groups and custom rules';
      return '';
    },
  });
}

const ALL_RULES = {
  publicApiKey: 1, guest: 1, authenticated: 1, owner: 1, ownerDefinedIn: 1, ownersDefinedIn: 1,
  group: 1, groups: 1, groupDefinedIn: 1, groupsDefinedIn: 1, custom: 1, resource: 1,
};

/**
 * Runs an `.authorization(callback)` callback and checks its result: a rule
 * or an array of rules. Returns the array of rule objects.
 */
export function runAuthorization(callback, kind, where) {
  if (typeof callback !== 'function') {
    throw new Error(`${where}.authorization() needs a callback, e.g. .authorization((allow) => [allow.publicApiKey()]); got ${describeValue(callback)}.`);
  }
  const result = callback(makeAllow(kind));
  const rules = Array.isArray(result) ? result : [result];
  rules.forEach((rule, i) => {
    const st = internal(rule);
    if (!st || st.kind !== 'authRule') {
      let hint = '';
      if (typeof rule === 'function' && rule.name in ALL_RULES) hint = ` Did you forget to call it: allow.${rule.name}()?`;
      throw new Error(
        `${where}.authorization(): the callback must return authorization rules built with allow.*, but item ${i} is ${describeValue(rule)}.${hint}`,
      );
    }
  });
  return rules;
}

/** The data of a rule. */
export function ruleOf(rule) {
  return internal(rule).data;
}
