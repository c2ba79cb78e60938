// The `a` schema builder of Amplify Gen 2 Data (`@aws-amplify/data-schema`
// 1.26.2): scalar fields, refs, relationships, enums, custom types, models,
// secondary indexes, custom operations, handlers, schemas and combine.
//
// Every builder keeps its state under the INTERNAL symbol as
// `{ kind, data, describe }`; `data` has the same shape as the official
// package's `.data`, which is also exposed as a `data` property for code that
// reads it. Builders are strict proxies (see ../strict.js).

import { INTERNAL, strict, internal, describeValue } from '../strict.js';
import { registerRuntimeModule, userLocation } from '../runtime.js';
import { runAuthorization } from './auth.js';
import { transformSchema } from './transform.js';

registerRuntimeModule(new Error().stack);

export const GENERATED = Symbol('ampbase.generated'); // `.default()` without a value

/** Wraps a builder object with its internal state and strict property access. */
function builder(obj, state, label, kindName) {
  Object.defineProperty(obj, INTERNAL, { value: state });
  return strict(obj, (name) => `${label}.${name} is not a function of ${kindName}`, { prefix: '.', suffix: '()' });
}

// ---------------------------------------------------------------------------
// Scalar fields
// ---------------------------------------------------------------------------

export const SCALARS = {
  id: 'ID',
  string: 'String',
  integer: 'Int',
  float: 'Float',
  boolean: 'Boolean',
  date: 'AWSDate',
  time: 'AWSTime',
  datetime: 'AWSDateTime',
  timestamp: 'AWSTimestamp',
  email: 'AWSEmail',
  json: 'AWSJSON',
  phone: 'AWSPhone',
  url: 'AWSURL',
  ipAddress: 'AWSIPAddress',
};

function validationBuilder(rules) {
  const push = (type) => (value, errorMessage) => {
    rules.push({ type, value, errorMessage });
    return v;
  };
  const v = strict(
    {
      gt: push('gt'),
      lt: push('lt'),
      gte: push('gte'),
      lte: push('lte'),
      positive: (errorMessage) => push('gt')(0, errorMessage),
      negative: (errorMessage) => push('lt')(0, errorMessage),
      minLength: push('minLength'),
      maxLength: push('maxLength'),
      startsWith: push('startsWith'),
      endsWith: push('endsWith'),
      matches: push('matches'),
    },
    (name) => `.validate(v => v.${name}(...)): ${name} is not a validation rule`,
    { prefix: 'v.', suffix: '()' },
  );
  return v;
}

export function scalarField(method) {
  const fieldType = SCALARS[method];
  const label = `a.${method}()`;
  const data = {
    fieldType,
    required: false,
    array: false,
    arrayRequired: false,
    default: undefined,
    authorization: [],
    validation: [],
  };
  let lastInvoked = null;
  const state = { kind: 'field', data, describe: () => label };
  const self = builder(
    {
      // `.required()` right after `.array()` makes the list itself required.
      required() {
        if (lastInvoked === 'array') data.arrayRequired = true;
        else data.required = true;
        lastInvoked = 'required';
        return self;
      },
      array() {
        data.array = true;
        lastInvoked = 'array';
        return self;
      },
      default(value) {
        data.default = value === undefined ? GENERATED : value;
        lastInvoked = 'default';
        return self;
      },
      authorization(callback) {
        data.authorization = runAuthorization(callback, 'field', label);
        lastInvoked = 'authorization';
        return self;
      },
      validate(callback) {
        if (typeof callback !== 'function') throw new Error(`${label}.validate() needs a callback, e.g. .validate(v => v.gt(0)).`);
        const rules = [];
        callback(validationBuilder(rules));
        data.validation = rules;
        lastInvoked = 'validate';
        return self;
      },
      data,
    },
    state,
    label,
    'a field',
  );
  return self;
}

// ---------------------------------------------------------------------------
// a.ref
// ---------------------------------------------------------------------------

export const MUTATION_OPERATIONS = ['create', 'update', 'delete'];

export function ref(link) {
  if (typeof link !== 'string' || link === '') {
    throw new Error(`a.ref() needs the name of a type of the schema (an enum, custom type, model or custom operation), got ${describeValue(link)}.`);
  }
  const label = `a.ref('${link}')`;
  const data = {
    type: 'ref',
    link,
    valueRequired: false,
    array: false,
    arrayRequired: false,
    mutationOperations: [],
    authorization: [],
  };
  const self = builder(
    {
      required() {
        if (data.array) data.arrayRequired = true;
        else data.valueRequired = true;
        return self;
      },
      array() {
        data.array = true;
        return self;
      },
      authorization(callback) {
        data.authorization = runAuthorization(callback, 'field', label);
        return self;
      },
      // Subscription sources: a.subscription().for(a.ref('Post').mutations(['create']))
      mutations(operations) {
        if (!Array.isArray(operations) || operations.some((op) => !MUTATION_OPERATIONS.includes(op))) {
          throw new Error(`${label}.mutations() needs an array of ${MUTATION_OPERATIONS.map((o) => `'${o}'`).join(', ')}; got ${describeValue(operations)}.`);
        }
        data.mutationOperations = operations;
        return self;
      },
      data,
    },
    { kind: 'ref', data, describe: () => label },
    label,
    'a ref',
  );
  return self;
}

// ---------------------------------------------------------------------------
// Relationships
// ---------------------------------------------------------------------------

// Modifiers available per relationship type (official `relationModifierMap`).
const RELATION_MODIFIERS = {
  belongsTo: ['authorization'],
  hasMany: ['valueRequired', 'authorization'],
  hasOne: ['required', 'authorization'],
};

export function relationship(type, relatedModel, references) {
  const label = `a.${type}(${JSON.stringify(relatedModel)}, ...)`;
  if (typeof relatedModel !== 'string' || relatedModel === '') {
    throw new Error(`a.${type}() needs the related model's name as its first argument, got ${describeValue(relatedModel)}.`);
  }
  const refs = Array.isArray(references) ? references : [references];
  if (references === undefined || refs.length === 0 || refs.some((r) => typeof r !== 'string' || r === '')) {
    const example = type === 'belongsTo' ? `a.belongsTo('${relatedModel}', '${relatedModel.charAt(0).toLowerCase()}${relatedModel.slice(1)}Id')` : `a.${type}('${relatedModel}', 'parentId')`;
    throw new Error(
      `a.${type}('${relatedModel}', references) needs the reference field name(s) as second argument ` +
        `(a string or an array of strings naming the foreign-key field(s) on the child model), e.g. ${example}; got ${describeValue(references)}.`,
    );
  }
  const data = {
    relatedModel,
    type,
    fieldType: 'model',
    array: type === 'hasMany',
    valueRequired: false,
    arrayRequired: false,
    references: refs,
    authorization: [],
  };
  const all = {
    required() {
      data.arrayRequired = true;
      return self;
    },
    valueRequired() {
      data.valueRequired = true;
      return self;
    },
    authorization(callback) {
      data.authorization = runAuthorization(callback, 'field', label);
      return self;
    },
  };
  const obj = { data };
  for (const key of RELATION_MODIFIERS[type]) obj[key] = all[key];
  const self = builder(obj, { kind: 'relationship', data, describe: () => label }, label, `a ${type} relationship`);
  return self;
}

// ---------------------------------------------------------------------------
// Enums and custom types
// ---------------------------------------------------------------------------

export function enumType(values) {
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string' || v === '')) {
    throw new Error(`a.enum() needs a non-empty array of value names, e.g. a.enum(['DRAFT', 'PUBLISHED']); got ${describeValue(values)}.`);
  }
  // Official: a plain `{ type: 'enum', values }` object.
  const obj = { type: 'enum', values };
  return builder(obj, { kind: 'enum', data: obj, describe: () => `a.enum(${JSON.stringify(values)})` }, 'a.enum([...])', 'an enum');
}

const FIELD_KINDS = ['field', 'ref', 'relationship', 'enum', 'customType'];

function checkFields(fields, where, allowed) {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields) || internal(fields)) {
    throw new Error(`${where} needs an object of fields, e.g. ${where.replace('(...)', '')}({ name: a.string() }); got ${describeValue(fields)}.`);
  }
  for (const [name, value] of Object.entries(fields)) {
    const st = internal(value);
    if (!st || !allowed.includes(st.kind)) {
      const what = st && st.kind === 'relationship' ? 'relationships (a.hasMany/a.hasOne/a.belongsTo) are only allowed in a.model()' : `it is ${describeValue(value)}`;
      const scalar = typeof value === 'function' && value.name in SCALARS ? ` Did you forget to call it: a.${value.name}()?` : '';
      throw new Error(
        `${where}: field '${name}' is not a valid field definition: ${what}. Use a.string(), a.integer(), a.ref('Type'), a.enum([...]), a.customType({...})${allowed.includes('relationship') ? ', a.hasMany(...)' : ''} and similar.${scalar}`,
      );
    }
  }
}

export function customType(fields) {
  checkFields(fields, 'a.customType(...)', ['field', 'ref', 'enum', 'customType']);
  const data = { fields, type: 'customType' };
  return builder({ data }, { kind: 'customType', data, describe: () => 'a.customType({...})' }, 'a.customType({...})', 'a custom type');
}

// ---------------------------------------------------------------------------
// Models and secondary indexes
// ---------------------------------------------------------------------------

function modelIndex(partitionKey) {
  if (typeof partitionKey !== 'string' || partitionKey === '') {
    throw new Error(`index() needs the partition key field name, e.g. index('email'); got ${describeValue(partitionKey)}.`);
  }
  const label = `index('${partitionKey}')`;
  const data = {
    partitionKey,
    sortKeys: [],
    indexName: '',
    queryField: '',
    projectionType: 'ALL',
    nonKeyAttributes: undefined,
  };
  const self = builder(
    {
      sortKeys(sortKeys) {
        if (!Array.isArray(sortKeys) || sortKeys.some((k) => typeof k !== 'string')) {
          throw new Error(`${label}.sortKeys() needs an array of field names, got ${describeValue(sortKeys)}.`);
        }
        data.sortKeys = sortKeys;
        return self;
      },
      name(name) {
        if (typeof name !== 'string') throw new Error(`${label}.name() needs a string, got ${describeValue(name)}.`);
        data.indexName = name;
        return self;
      },
      // `null` disables the query field (official: `queryField: null`).
      queryField(field) {
        if (typeof field !== 'string' && field !== null) throw new Error(`${label}.queryField() needs a string (or null), got ${describeValue(field)}.`);
        data.queryField = field;
        return self;
      },
      projection(type, nonKeyAttributes) {
        if (!['ALL', 'KEYS_ONLY', 'INCLUDE'].includes(type)) {
          throw new Error(`${label}.projection() needs 'ALL', 'KEYS_ONLY' or 'INCLUDE', got ${describeValue(type)}.`);
        }
        data.projectionType = type;
        if (type === 'INCLUDE') data.nonKeyAttributes = nonKeyAttributes;
        return self;
      },
      data,
    },
    { kind: 'index', data, describe: () => label },
    label,
    'a secondary index',
  );
  return self;
}

export const DISABLE_OPERATIONS = ['queries', 'mutations', 'subscriptions', 'list', 'get', 'create', 'update', 'delete', 'onCreate', 'onUpdate', 'onDelete'];

export function model(fields) {
  checkFields(fields, 'a.model(...)', FIELD_KINDS);
  const label = 'a.model({...})';
  const data = {
    fields,
    identifier: ['id'],
    secondaryIndexes: [],
    authorization: [],
    disabledOperations: [],
  };
  const self = builder(
    {
      identifier(identifier) {
        if (!Array.isArray(identifier) || identifier.length === 0 || identifier.some((f) => typeof f !== 'string')) {
          throw new Error(`${label}.identifier() needs a non-empty array of field names, e.g. .identifier(['tenantId', 'name']); got ${describeValue(identifier)}.`);
        }
        data.identifier = identifier;
        return self;
      },
      secondaryIndexes(callback) {
        if (typeof callback !== 'function') {
          throw new Error(`${label}.secondaryIndexes() needs a callback, e.g. .secondaryIndexes((index) => [index('email')]); got ${describeValue(callback)}.`);
        }
        const result = callback(modelIndex);
        const indexes = Array.isArray(result) ? result : [result];
        indexes.forEach((idx, i) => {
          const st = internal(idx);
          if (!st || st.kind !== 'index') throw new Error(`${label}.secondaryIndexes(): item ${i} of the returned array is ${describeValue(idx)}, not index('field')...`);
        });
        data.secondaryIndexes = indexes;
        return self;
      },
      disableOperations(ops) {
        if (!Array.isArray(ops)) throw new Error(`${label}.disableOperations() needs an array, e.g. .disableOperations(['subscriptions']); got ${describeValue(ops)}.`);
        for (const op of ops) {
          if (!DISABLE_OPERATIONS.includes(op)) throw new Error(`${label}.disableOperations(): '${op}' is not an operation. Valid: ${DISABLE_OPERATIONS.join(', ')}.`);
        }
        data.disabledOperations = ops;
        return self;
      },
      authorization(callback) {
        data.authorization = runAuthorization(callback, 'model', label);
        return self;
      },
      relationships(relationships) {
        data.fields = { ...data.fields, ...relationships };
      },
      get fields() {
        return data.fields;
      },
      data,
    },
    // where the model was declared, for warnings raised by transform()
    { kind: 'model', data, describe: () => label, location: userLocation() },
    label,
    'a model',
  );
  return self;
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

function handlerObject(brand, data, extra = {}) {
  const label = `a.handler.${{ functionHandler: 'function', asyncFunctionHandler: 'function', customHandler: 'custom', inlineSql: 'inlineSql', sqlReference: 'sqlReference' }[brand]}(...)`;
  return builder({ ...extra }, { kind: 'handler', brand, data, describe: () => label }, label, 'a handler');
}

function functionHandler(fn) {
  const st = internal(fn);
  if (typeof fn !== 'string' && !(st && st.kind === 'function')) {
    throw new Error(`a.handler.function() needs a function defined with defineFunction(...) or the name of an existing Lambda function (string); got ${describeValue(fn)}.`);
  }
  const data = { handler: fn, invocationType: 'RequestResponse' };
  const self = handlerObject('functionHandler', data, {
    // Invoke the function asynchronously (the operation returns EventInvocationResponse).
    async() {
      return handlerObject('asyncFunctionHandler', { handler: fn, invocationType: 'Event' });
    },
  });
  return self;
}

function customHandler(options) {
  if (options === null || typeof options !== 'object' || typeof options.entry !== 'string') {
    throw new Error(`a.handler.custom() needs { entry: './resolver.js', dataSource?: a.ref('Model') | 'NONE' }; got ${describeValue(options)}.`);
  }
  const ds = options.dataSource;
  if (ds !== undefined && typeof ds !== 'string' && !(internal(ds) && internal(ds).kind === 'ref')) {
    throw new Error(`a.handler.custom(): dataSource must be a.ref('ModelName') or a data source name string; got ${describeValue(ds)}.`);
  }
  return handlerObject('customHandler', { ...options, stack: new Error().stack });
}

export const handler = strict(
  {
    function: functionHandler,
    custom: customHandler,
    inlineSql(sql) {
      return handlerObject('inlineSql', sql);
    },
    sqlReference(entry) {
      return handlerObject('sqlReference', { stack: new Error().stack, entry });
    },
  },
  (name) => `a.handler.${name} is not a handler type`,
  { prefix: 'a.handler.', suffix: '()' },
);

// ---------------------------------------------------------------------------
// Custom operations
// ---------------------------------------------------------------------------

const OPERATION_VALUE_KINDS = ['field', 'ref', 'enum', 'customType'];

function customOperation(typeName, method, input) {
  const label = `a.${method}()`;
  const data = {
    arguments: {},
    returnType: null,
    authorization: [],
    typeName,
    handlers: null,
    subscriptionSource: [],
    input,
  };
  const self = builder(
    {
      arguments(args) {
        checkFields(args, `${label}.arguments(...)`, OPERATION_VALUE_KINDS);
        data.arguments = args;
        return self;
      },
      returns(returnType) {
        const st = internal(returnType);
        if (!st || !OPERATION_VALUE_KINDS.includes(st.kind)) {
          throw new Error(`${label}.returns() needs a type: a.ref('TypeName'), a.customType({...}), a.enum([...]) or a scalar such as a.string(); got ${describeValue(returnType)}.`);
        }
        data.returnType = returnType;
        return self;
      },
      authorization(callback) {
        data.authorization = runAuthorization(callback, 'operation', label);
        return self;
      },
      handler(handlers) {
        const list = Array.isArray(handlers) ? handlers : [handlers];
        if (list.length === 0) throw new Error(`${label}.handler() needs at least one handler.`);
        list.forEach((h, i) => {
          const st = internal(h);
          if (!st || st.kind !== 'handler') {
            throw new Error(`${label}.handler(): ${Array.isArray(handlers) ? `item ${i} is` : 'the argument is'} ${describeValue(h)}; use a.handler.function(fn) or a.handler.custom({ entry }).`);
          }
        });
        data.handlers = list;
        // An async function handler makes the operation return EventInvocationResponse.
        if (internal(list[list.length - 1]).brand === 'asyncFunctionHandler') {
          data.returnType = EVENT_INVOCATION_RESPONSE_REF;
        }
        return self;
      },
      for(source) {
        const list = Array.isArray(source) ? source : [source];
        list.forEach((s) => {
          const st = internal(s);
          if (!st || st.kind !== 'ref') throw new Error(`${label}.for() needs a.ref('mutationName') or a.ref('Model').mutations([...]); got ${describeValue(s)}.`);
        });
        data.subscriptionSource = list;
        return self;
      },
      data,
    },
    { kind: 'operation', data, describe: () => label },
    label,
    'a custom operation',
  );
  return self;
}

// The ref that `.handler(a.handler.function(fn).async())` sets as return type.
const EVENT_INVOCATION_RESPONSE_REF = (() => {
  const data = { type: 'ref', link: 'EventInvocationResponse', valueRequired: false, array: false, arrayRequired: false, mutationOperations: [], authorization: [] };
  const obj = { data };
  Object.defineProperty(obj, INTERNAL, { value: { kind: 'ref', data } });
  return obj;
})();

// ---------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------

const TOP_LEVEL_KINDS = ['model', 'enum', 'customType', 'operation', 'unsupported'];

export function schema(types) {
  if (types === null || typeof types !== 'object' || Array.isArray(types) || internal(types)) {
    throw new Error(`a.schema() needs an object of named types, e.g. a.schema({ Todo: a.model({ content: a.string() }) }); got ${describeValue(types)}.`);
  }
  for (const [name, value] of Object.entries(types)) {
    const st = internal(value);
    if (!st || !TOP_LEVEL_KINDS.includes(st.kind)) {
      throw new Error(
        `a.schema(): '${name}' is ${describeValue(value)}; top-level schema entries must be a.model(), a.enum(), a.customType(), a.query(), a.mutation() or a.subscription().`,
      );
    }
    if (!/^[_A-Za-z][_0-9A-Za-z]*$/.test(name)) {
      throw new Error(`a.schema(): '${name}' is not a valid GraphQL type name (letters, digits and _ only, not starting with a digit).`);
    }
  }
  const data = {
    types,
    authorization: [],
    configuration: { database: { engine: 'dynamodb' } },
  };
  const st = { kind: 'schema', data, context: undefined, describe: () => 'a.schema({...})' };
  const models = {};
  for (const [name, value] of Object.entries(types)) if (internal(value).kind === 'model') models[name] = value;

  const make = (withAuthorization) => {
    const obj = {
      data,
      models,
      transform() {
        return transformSchema(st);
      },
    };
    if (withAuthorization) {
      // Returns the schema without `.authorization` (it can be set once).
      obj.authorization = (callback) => {
        data.authorization = runAuthorization(callback, 'schema', 'a.schema({...})');
        return make(false);
      };
    }
    Object.defineProperty(obj, 'context', {
      get: () => st.context,
      set: (v) => {
        st.context = v;
      },
    });
    return builder(obj, st, 'a.schema({...})', 'a schema');
  };
  return make(true);
}

const COMBINED_SCHEMA_LIMIT = 50;

export function combine(schemas) {
  if (!Array.isArray(schemas) || schemas.some((s) => !internal(s) || internal(s).kind !== 'schema')) {
    throw new Error(`a.combine() needs an array of schemas built with a.schema(...); got ${describeValue(schemas)}.`);
  }
  if (schemas.length > COMBINED_SCHEMA_LIMIT) {
    throw new Error(`a.combine() accepts at most ${COMBINED_SCHEMA_LIMIT} schemas.`);
  }
  const seen = new Set();
  const duplicates = new Set();
  for (const s of schemas) {
    for (const key of Object.keys(internal(s).data.types)) {
      if (seen.has(key)) duplicates.add(key);
      else seen.add(key);
    }
  }
  if (duplicates.size > 0) {
    throw new Error(`The schemas you are attempting to combine have a name collision. Please remove or rename ${Array.from(duplicates).join(', ')}.`);
  }
  const st = { kind: 'combined', schemas, describe: () => 'a.combine([...])' };
  const obj = { schemas };
  const self = builder(obj, st, 'a.combine([...])', 'a combined schema');
  for (const s of schemas) internal(s).context = st;
  return self;
}

// ---------------------------------------------------------------------------
// AI kit (not supported by ampbase)
// ---------------------------------------------------------------------------

function unsupportedType(what) {
  const obj = {};
  const self = builder(obj, { kind: 'unsupported', what, describe: () => what }, what, what);
  // Chainable no-op methods so that typical definitions still evaluate.
  const chain = () => self;
  for (const m of ['arguments', 'returns', 'authorization', 'handler']) obj[m] = chain;
  return self;
}

// ---------------------------------------------------------------------------
// The `a` object
// ---------------------------------------------------------------------------

const aObject = {
  schema,
  combine,
  model,
  ref,
  customType,
  enum: enumType,
  query: () => customOperation('Query', 'query'),
  mutation: () => customOperation('Mutation', 'mutation'),
  subscription: () => customOperation('Subscription', 'subscription'),
  hasOne: (relatedModel, references) => relationship('hasOne', relatedModel, references),
  hasMany: (relatedModel, references) => relationship('hasMany', relatedModel, references),
  belongsTo: (relatedModel, references) => relationship('belongsTo', relatedModel, references),
  handler,
  conversation: () => unsupportedType('a.conversation()'),
  generation: () => unsupportedType('a.generation()'),
  ai: strict({ model: (name) => ({ resourcePath: String(name) }), dataTool: (x) => x }, (n) => `a.ai.${n} is not a function of the AI kit`, { prefix: 'a.ai.', suffix: '()' }),
};
// Named functions, so that a forgotten call (`a.string` instead of `a.string()`) can be reported.
for (const method of Object.keys(SCALARS)) aObject[method] = { [method]: () => scalarField(method) }[method];

export const a = strict(aObject, (name) => `a.${name} is not a function of the schema builder`, {
  prefix: 'a.',
  suffix: '',
  explain: (name) => (name === 'int' ? 'Use a.integer() for Int fields' : name === 'configure' ? 'SQL data sources (a.configure / a.sql) are not supported by ampbase' : ''),
});
