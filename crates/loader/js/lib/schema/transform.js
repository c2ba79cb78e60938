// `schema.transform()`: turns an `a.schema(...)` into the directive SDL (the
// "model schema" with @model, @auth, @index, @function, ...) exactly as
// `@aws-amplify/data-schema` 1.26.2 (`SchemaProcessor.ts`) does, together
// with the functions it references.
//
// The order of types, fields and directive arguments, and the spacing
// (including the odd `type X @model @auth(...)\n{` layout and the space left
// after custom-operation directives), follow the official output byte for byte,
// because the compiled backend is compared with the official transformer's.
// Error messages keep the official wording where it exists, extended with the
// model / field involved and what to do.

import { internal } from '../strict.js';
import { registerRuntimeModule, warn } from '../runtime.js';
import { ruleOf } from './auth.js';

registerRuntimeModule(new Error().stack);

// `.default()` without a value (a DB-generated field); see builders.js.
const isGenerated = (d) => typeof d === 'symbol';

const kindOf = (v) => internal(v)?.kind;
const dataOf = (v) => internal(v)?.data;
const isModel = (v) => kindOf(v) === 'model';
const isEnum = (v) => kindOf(v) === 'enum';
const isCustomType = (v) => kindOf(v) === 'customType';
const isOperation = (v) => kindOf(v) === 'operation';
const isRelationship = (v) => kindOf(v) === 'relationship';
const isRef = (v) => kindOf(v) === 'ref';
const isScalar = (v) => kindOf(v) === 'field';

const capitalize = (s) => `${s[0].toUpperCase()}${s.slice(1)}`;

/** Internal ref value (used for synthesised input-type fields). */
function refValue(data) {
  return { __proto__: null, [Symbol.for('ampbase.internal')]: { kind: 'ref', data: { type: 'ref', ...data } } };
}

// ---------------------------------------------------------------------------
// Field rendering
// ---------------------------------------------------------------------------

function scalarFieldToGql(fieldDef, identifier, secondaryIndexes = []) {
  const { fieldType, required, array, arrayRequired, default: _default, validation = [] } = fieldDef;
  let field = fieldType;

  if (identifier !== undefined) {
    field += '!';
    if (identifier.length > 1) {
      const [, ...sk] = identifier;
      field += ` @primaryKey(sortKeyFields: [${sk.map((k) => `"${k}"`).join(', ')}])`;
    } else {
      field += ' @primaryKey';
    }
    for (const index of secondaryIndexes) field += ` ${index}`;
    if (isGenerated(_default)) field += ' @default';
    return field;
  }

  if (required === true) field += '!';
  if (array) {
    field = `[${field}]`;
    if (arrayRequired === true) field += '!';
  }

  if (isGenerated(_default)) {
    field += ' @default';
  } else if (_default !== undefined) {
    // Official: `${_default?.toString()}` without escaping.
    field += ` @default(value: "${_default?.toString()}")`;
  }

  for (const index of secondaryIndexes) field += ` ${index}`;

  for (const rule of validation) {
    const valueStr = typeof rule.value === 'number' ? rule.value.toString() : rule.value;
    if (rule.errorMessage) {
      field += ` @validate(type: ${rule.type}, value: "${valueStr}", errorMessage: ${JSON.stringify(rule.errorMessage)})`;
    } else {
      field += ` @validate(type: ${rule.type}, value: "${valueStr}")`;
    }
  }
  return field;
}

function relationshipFieldToGql(fieldDef) {
  const { type, relatedModel, array, valueRequired, arrayRequired, references } = fieldDef;
  let field = relatedModel;
  if (valueRequired === true) field += '!';
  if (array) field = `[${field}]`;
  if (arrayRequired === true) field += '!';
  if (references && references.length > 0) {
    // Array-to-string conversion: elements joined with "," and no space.
    field += ` @${type}(references: [${references.map((s) => `"${String(s)}"`)}])`;
  } else {
    field += ` @${type}`;
  }
  return field;
}

function refFieldToGql(fieldDef, secondaryIndexes = []) {
  const { link, valueRequired, array, arrayRequired } = fieldDef;
  let field = link;
  if (valueRequired === true) field += '!';
  if (array === true) field = `[${field}]`;
  if (arrayRequired === true) field += '!';
  for (const index of secondaryIndexes) field += ` ${index}`;
  return field;
}

function enumFieldToGql(enumName, secondaryIndexes = []) {
  let field = enumName;
  for (const index of secondaryIndexes) field += ` ${index}`;
  return field;
}

// ---------------------------------------------------------------------------
// Authorization
// ---------------------------------------------------------------------------

const STRING_FIELD_TYPES = ['ID', 'String', 'AWSDate', 'AWSTime', 'AWSDateTime', 'AWSEmail', 'AWSPhone', 'AWSURL', 'AWSIPAddress'];
const normalizeStringFieldType = (t) => (STRING_FIELD_TYPES.includes(t) ? 'String' : t);

/** Field shape implied by an owner/group field rule: String or [String]. */
const impliedField = (array) => ({ fieldType: 'String', array });

function fieldShape(value) {
  const st = internal(value);
  if (!st) return { fieldType: undefined, array: undefined };
  if (st.kind === 'enum') return { fieldType: 'enum', array: false };
  if (st.kind === 'customType') return { fieldType: 'customType', array: false };
  return { fieldType: st.data.fieldType, array: st.data.array };
}

function describeShape({ fieldType, array }) {
  const t = fieldType === 'model' ? 'a relationship' : fieldType === undefined ? 'a ref' : fieldType;
  return array ? `[${t}]` : t;
}

// Only the list-ness and the (string-normalised) type are compared: required
// etc. are not expressed by auth directives (official `areConflicting`).
function areConflicting(left, right) {
  if (left.array !== right.array) return true;
  return normalizeStringFieldType(left.fieldType) !== normalizeStringFieldType(right.fieldType);
}

function addAuthFields(existing, additions) {
  for (const [k, addition] of Object.entries(additions)) {
    if (!existing[k]) existing[k] = addition;
    else if (areConflicting(existing[k], addition)) {
      throw new Error(
        `Field ${k} defined twice with conflicting definitions: it is used by authorization rules both as a single owner/group field (String) and as a list (ownersDefinedIn/groupsDefinedIn, [String]).`,
      );
    }
  }
}

/** The `@auth(rules: [...])` directive of a list of rules, and the fields the rules imply. */
function calculateAuth(authorization) {
  const authFields = {};
  const rules = [];
  for (const entry of authorization) {
    const rule = ruleOf(entry);
    const parts = [];
    if (!rule.strategy) return { authFields, authString: '' };
    parts.push(`allow: ${rule.strategy}`);
    if (rule.provider) parts.push(`provider: ${rule.provider}`);
    if (rule.operations) parts.push(`operations: [${rule.operations.join(', ')}]`);
    if (rule.groupOrOwnerField) {
      parts.push(rule.strategy === 'groups' ? `groupsField: "${rule.groupOrOwnerField}"` : `ownerField: "${rule.groupOrOwnerField}"`);
      addAuthFields(authFields, { [rule.groupOrOwnerField]: impliedField(Boolean(rule.multiOwner)) });
    }
    if (rule.groups) parts.push(`groups: [${rule.groups.map((g) => `"${g}"`).join(', ')}]`);
    if (rule.identityClaim) parts.push(`identityClaim: "${rule.identityClaim}"`);
    if (rule.groupClaim) parts.push(`groupClaim: "${rule.groupClaim}"`);
    rules.push(`{${parts.join(', ')}}`);
  }
  const authString = rules.length > 0 ? `@auth(rules: [${rules.join(',\n  ')}])` : '';
  return { authString, authFields };
}

function validateCustomHandlerAuthRule(rule, opName) {
  if (rule.groups && rule.provider === 'oidc') {
    throw new Error(`Custom operation ${opName}: OIDC group auth is not supported with a.handler.custom`);
  }
  if (rule.provider === 'identityPool' || rule.provider === 'iam') {
    throw new Error(
      `Custom operation ${opName}: identityPool-based auth (allow.guest() and allow.authenticated('identityPool')) is not supported with a.handler.custom`,
    );
  }
}

const APPSYNC_AUTH_DIRECTIVES = {
  public: { default: '@aws_api_key', apiKey: '@aws_api_key', iam: '@aws_iam', identityPool: '@aws_iam' },
  private: { default: '@aws_cognito_user_pools', userPools: '@aws_cognito_user_pools', oidc: '@aws_oidc', iam: '@aws_iam', identityPool: '@aws_iam' },
  groups: { default: '@aws_cognito_user_pools', userPools: '@aws_cognito_user_pools' },
  custom: { default: '@aws_lambda', function: '@aws_lambda' },
};

function appSyncAuthDirective(rule, where) {
  const byProvider = APPSYNC_AUTH_DIRECTIVES[rule.strategy];
  if (byProvider === undefined) {
    throw new Error(`Unsupported auth strategy for custom handlers: ${rule.strategy} (${where}); use publicApiKey, authenticated, groups or custom rules.`);
  }
  const directive = byProvider[rule.provider || 'default'];
  if (directive === undefined) throw new Error(`Unsupported provider for custom handlers: ${rule.provider} (${where})`);
  return directive;
}

/**
 * AppSync-native auth directives (`@aws_api_key @aws_cognito_user_pools(cognito_groups: [...])`),
 * used for operations with a JS resolver (a.handler.custom) and for custom
 * types returned by custom operations.
 */
function mapToNativeAppSyncAuthDirectives(authorization, isCustomHandler, where) {
  const rules = new Set();
  const groupProvider = new Map();
  const generalProviderUsed = new Set();
  for (const entry of authorization) {
    const rule = ruleOf(entry);
    if (isCustomHandler) validateCustomHandlerAuthRule(rule, where);
    const provider = appSyncAuthDirective(rule, where);
    if (rule.groups) {
      if (!groupProvider.has(provider)) groupProvider.set(provider, new Set());
      rule.groups.forEach((g) => groupProvider.get(provider).add(g));
    } else {
      generalProviderUsed.add(provider);
      rules.add(provider);
    }
  }
  groupProvider.forEach((groups, provider) => {
    if (!generalProviderUsed.has(provider)) {
      rules.add(`${provider}(cognito_groups: [${Array.from(groups).map((g) => `"${g}"`).join(', ')}])`);
    }
  });
  return { authString: [...rules].join(' ') };
}

function processFieldLevelAuthRules(fields, authFields) {
  const fieldLevelAuthRules = {};
  for (const [fieldName, fieldDef] of Object.entries(fields)) {
    const fieldAuth = dataOf(fieldDef)?.authorization || [];
    const { authString, authFields: fieldAuthFields } = calculateAuth(fieldAuth);
    if (authString) fieldLevelAuthRules[fieldName] = authString;
    addAuthFields(authFields, fieldAuthFields);
  }
  return fieldLevelAuthRules;
}

// ---------------------------------------------------------------------------
// Field-list processing
// ---------------------------------------------------------------------------

function validateImpliedFields(typeName, existing, implied) {
  for (const [k, field] of Object.entries(implied)) {
    if (existing[k]) {
      const shape = fieldShape(existing[k]);
      if (areConflicting(shape, field)) {
        throw new Error(
          `Implicit field ${k} conflicts with the explicit field definition: model ${typeName} uses ${k} as an owner/group field of an authorization rule, ` +
            `which needs ${field.array ? '[String] (a.string().array())' : 'String (a.string() or a.id())'}, but ${typeName}.${k} is ${describeShape(shape)}.`,
        );
      }
    }
  }
}

function validateDBGeneration(typeName, fields, databaseEngine) {
  for (const [fieldName, fieldDef] of Object.entries(fields)) {
    const data = isScalar(fieldDef) ? dataOf(fieldDef) : undefined;
    if (!data || !isGenerated(data.default)) continue;
    if (databaseEngine !== 'postgresql') {
      throw new Error(
        `Invalid field definition for ${fieldName} of ${typeName}. DB-generated fields are only supported with PostgreSQL data sources. Give .default() a value, e.g. .default(0).`,
      );
    }
    if (data.fieldType !== 'Int') {
      throw new Error(`Incompatible field type. Field type ${data.fieldType} in field ${fieldName} cannot be configured as a DB-generated field.`);
    }
  }
}

function validateIdentifier(typeName, fields, identifier, location) {
  if (identifier === undefined) return;
  for (const name of identifier) {
    const def = fields[name];
    if (!def) {
      if (name === 'id') continue; // implicit id
      // The official package emits no @primaryKey then (the model keeps an implicit id).
      warn(
        `Model ${typeName}: identifier field '${name}' is not a field of ${typeName} (fields: ${Object.keys(fields).join(', ')}); the identifier was ignored.`,
        `${typeName}.identifier`,
        location,
      );
      continue;
    }
    if (!isScalar(def)) {
      throw new Error(
        `Invalid identifier definition. Field ${name} cannot be used in the identifier. Identifiers must reference required or DB-generated fields) — ` +
          `${typeName}.${name} is ${internal(def).describe()}; identifier fields must be required scalar fields (a.id(), a.string().required(), a.integer().required(), ...).`,
      );
    }
    const data = dataOf(def);
    if (!data.required && data.fieldType !== 'ID' && !isGenerated(data.default)) {
      throw new Error(
        `Invalid identifier definition. Field ${name} cannot be used in the identifier. Identifiers must reference required or DB-generated fields) — make ${typeName}.${name} required: .required()`,
      );
    }
  }
}

function processFields(typeName, fields, impliedFields, fieldLevelAuthRules, identifier, partitionKey, secondaryIndexes = {}, databaseEngine = 'dynamodb', location = null) {
  const gqlFields = [];
  // nested inline enums and custom types, hoisted to top-level types
  const implicitTypes = [];

  validateImpliedFields(typeName, fields, impliedFields);
  validateDBGeneration(typeName, fields, databaseEngine);
  validateIdentifier(typeName, fields, identifier, location);

  for (const [fieldName, fieldDef] of Object.entries(fields)) {
    const fieldAuth = fieldLevelAuthRules[fieldName] ? ` ${fieldLevelAuthRules[fieldName]}` : '';
    if (isRelationship(fieldDef)) {
      gqlFields.push(`${fieldName}: ${relationshipFieldToGql(dataOf(fieldDef))}${fieldAuth}`);
    } else if (fieldName === partitionKey) {
      gqlFields.push(`${fieldName}: ${scalarFieldToGql(dataOf(fieldDef), identifier, secondaryIndexes[fieldName])}${fieldAuth}`);
    } else if (isRef(fieldDef)) {
      gqlFields.push(`${fieldName}: ${refFieldToGql(dataOf(fieldDef), secondaryIndexes[fieldName])}${fieldAuth}`);
    } else if (isEnum(fieldDef)) {
      // Inline enums are named <TypeName><FieldName> (field-level auth is not applied).
      const enumName = `${capitalize(typeName)}${capitalize(fieldName)}`;
      implicitTypes.push([enumName, fieldDef]);
      gqlFields.push(`${fieldName}: ${enumFieldToGql(enumName, secondaryIndexes[fieldName])}`);
    } else if (isCustomType(fieldDef)) {
      // Inline custom types are named <TypeName><FieldName>.
      const customTypeName = `${capitalize(typeName)}${capitalize(fieldName)}`;
      implicitTypes.push([customTypeName, fieldDef]);
      gqlFields.push(`${fieldName}: ${customTypeName}`);
    } else if (isScalar(fieldDef)) {
      gqlFields.push(`${fieldName}: ${scalarFieldToGql(dataOf(fieldDef), undefined, secondaryIndexes[fieldName])}${fieldAuth}`);
    } else {
      throw new Error(`${typeName}.${fieldName}: unexpected field definition`);
    }
  }
  return { gqlFields, implicitTypes };
}

// ---------------------------------------------------------------------------
// Secondary indexes
// ---------------------------------------------------------------------------

function defaultQueryField(modelName, pk, sk) {
  const skName = sk?.length ? 'And' + sk.map(capitalize).join('And') : '';
  return `list${capitalize(modelName)}By${capitalize(pk)}${skName}`;
}

const IMPLICIT_FIELDS = ['id', 'createdAt', 'updatedAt'];

/** field name -> [@index directives] */
function transformSecondaryIndexes(modelName, secondaryIndexes, fields, getRefType, location) {
  const indexDirective = ({ partitionKey, sortKeys, indexName, queryField, projectionType, nonKeyAttributes }) => {
    for (const keyName of [partitionKey, ...sortKeys]) {
      const field = fields[keyName];
      // id, createdAt and updatedAt exist implicitly unless declared. The
      // official package silently drops an index whose partition key is not a
      // declared field (the @index directive has no field to sit on): same
      // output here, plus a warning.
      if (!field && !IMPLICIT_FIELDS.includes(keyName)) {
        warn(
          `Model ${modelName}: the secondary index on '${partitionKey}' uses '${keyName}', which is not a field of ${modelName} (fields: ${Object.keys(fields).join(', ')}); ` +
            (keyName === partitionKey ? 'the index was ignored.' : 'the transformer will reject this sort key.'),
          `${modelName}.secondaryIndexes`,
          location,
        );
      }
      if (isRef(field)) {
        const { def } = getRefType(dataOf(field).link, modelName);
        if (!isEnum(def)) {
          throw new Error(
            `The ref field \`${keyName}\` used in the secondary index of \`${modelName}\` should refer to an enum type. \`${dataOf(field).link}\` is not a enum type.`,
          );
        }
      }
    }
    if (!sortKeys.length && !indexName && !queryField && queryField !== null && !projectionType) {
      return `@index(queryField: "${defaultQueryField(modelName, partitionKey)}")`;
    }
    const attributes = [];
    if (indexName) attributes.push(`name: "${indexName}"`);
    if (sortKeys.length) attributes.push(`sortKeyFields: [${sortKeys.map((k) => `"${k}"`).join(', ')}]`);
    if (queryField === null) attributes.push('queryField: null');
    else if (queryField) attributes.push(`queryField: "${queryField}"`);
    else attributes.push(`queryField: "${defaultQueryField(modelName, partitionKey, sortKeys)}"`);
    if (projectionType && projectionType !== 'ALL') {
      if (projectionType === 'KEYS_ONLY') attributes.push('projection: { type: KEYS_ONLY }');
      else if (projectionType === 'INCLUDE' && nonKeyAttributes?.length) {
        attributes.push(`projection: { type: INCLUDE, nonKeyAttributes: [${nonKeyAttributes.map((x) => `"${x}"`).join(', ')}] }`);
      }
    }
    return `@index(${attributes.join(', ')})`;
  };

  const result = {};
  for (const index of secondaryIndexes) {
    const data = dataOf(index);
    (result[data.partitionKey] ||= []).push(indexDirective(data));
  }
  return result;
}

// ---------------------------------------------------------------------------
// Type lookup across (combined) schemas
// ---------------------------------------------------------------------------

function findType(schemaState, name) {
  if (schemaState.context) {
    for (const s of schemaState.context.schemas) {
      const types = internal(s).data.types;
      if (Object.hasOwn(types, name)) return types[name];
    }
    return undefined;
  }
  return Object.hasOwn(schemaState.data.types, name) ? schemaState.data.types[name] : undefined;
}

function allTypeNames(schemaState) {
  const schemas = schemaState.context ? schemaState.context.schemas.map((s) => internal(s)) : [schemaState];
  return schemas.flatMap((s) => Object.keys(s.data.types));
}

function closest(name, names) {
  const lower = name.toLowerCase();
  return names.find((n) => n.toLowerCase() === lower) || names.find((n) => n.toLowerCase().startsWith(lower.slice(0, 3)));
}

function getRefTypeForSchema(schemaState) {
  return (name, referrerName) => {
    const typeDef = findType(schemaState, name);
    if (typeDef === undefined) {
      const names = allTypeNames(schemaState);
      const guess = closest(name, names);
      throw new Error(
        (referrerName ? `Invalid ref. ${referrerName} is referring to ${name} which is not defined in the schema` : `Invalid ref. ${name} is not defined in the schema`) +
          (guess ? `; did you mean ${guess}?` : '.') +
          ` Types in the schema: ${names.join(', ')}.`,
      );
    }
    if (isModel(typeDef)) return { type: 'Model', def: typeDef };
    if (isOperation(typeDef)) return { type: 'CustomOperation', def: typeDef };
    if (isCustomType(typeDef)) return { type: 'CustomType', def: typeDef };
    if (isEnum(typeDef)) return { type: 'Enum', def: typeDef };
    throw new Error(
      referrerName
        ? `Invalid ref. ${referrerName} is referring to ${name} which is neither a Model, Custom Operation, Custom Type, or Enum`
        : `Invalid ref. ${name} is neither a Model, Custom Operation, Custom Type, or Enum`,
    );
  };
}

function validateRefUseCases(referrerName, referrerType, fields, getRefType) {
  for (const [fieldName, field] of Object.entries(fields)) {
    if (!isRef(field)) continue;
    const link = dataOf(field).link;
    const { def } = getRefType(link, referrerName);
    if (isModel(def)) {
      const target = referrerType === 'customType' ? 'custom type' : 'model';
      throw new Error(
        `Cannot use \`.ref()\` to refer a model from a \`${target}\`. Field \`${fieldName}\` of \`${referrerName}\` refers to model \`${link}\`` +
          (referrerType === 'model' ? `; use a.hasMany/a.hasOne/a.belongsTo('${link}', ...) for relationships between models.` : ''),
      );
    }
  }
}

// ---------------------------------------------------------------------------
// Custom operations
// ---------------------------------------------------------------------------

const handlerBrand = (h) => internal(h).brand;
const handlerData = (h) => internal(h).data;
const isFunctionHandlerList = (hs) => Array.isArray(hs) && ['functionHandler', 'asyncFunctionHandler'].includes(handlerBrand(hs[0]));
const isCustomHandlerList = (hs) => Array.isArray(hs) && handlerBrand(hs[0]) === 'customHandler';
const isSqlReferenceList = (hs) => Array.isArray(hs) && handlerBrand(hs[0]) === 'sqlReference';
const finalHandlerIsAsync = (hs) => Array.isArray(hs) && hs.length > 0 && handlerBrand(hs[hs.length - 1]) === 'asyncFunctionHandler';

function transformFunctionHandler(handlers, fieldName) {
  let gqlHandlerContent = '';
  const lambdaFunctionDefinition = {};
  handlers.forEach((h, idx) => {
    const data = handlerData(h);
    if (typeof data.handler === 'string') {
      gqlHandlerContent += `@function(name: "${data.handler}") `;
    } else if (internal(data.handler)?.kind === 'function') {
      const fnName = `Fn${capitalize(fieldName)}${idx === 0 ? '' : `${idx + 1}`}`;
      lambdaFunctionDefinition[fnName] = data.handler;
      const invocationTypeArg = data.invocationType === 'Event' ? ', invocationType: Event)' : ')';
      gqlHandlerContent += `@function(name: "${fnName}"${invocationTypeArg} `;
    } else {
      throw new Error(`Invalid value specified for ${fieldName} handler.function(). Expected: defineFunction or string.`);
    }
  });
  return { gqlHandlerContent, lambdaFunctionDefinition };
}

/** Input types (`<Type>Input`, `<Op><Arg>Input`) and enums for operation arguments. */
function generateInputTypes(operationName, args, getRefType) {
  const inputTypes = [];
  const argDefinitions = [];
  const collectedEnums = new Map();
  const processedTypes = new Set();

  const processNonScalarFields = (fields, originalTypeName, isParentRef = false, parentChain = []) => {
    const processed = {};
    for (const [fieldName, fieldDef] of Object.entries(fields)) {
      if (isRef(fieldDef)) {
        const data = dataOf(fieldDef);
        const refType = getRefType(data.link, originalTypeName);
        if (refType.type === 'CustomType') {
          const nestedName = `${data.link}Input`;
          processed[fieldName] = refValue({ link: nestedName, array: data.array, arrayRequired: data.arrayRequired, valueRequired: data.valueRequired });
          if (!parentChain.includes(nestedName) && !processedTypes.has(nestedName)) {
            processedTypes.add(nestedName);
            const nestedFields = processNonScalarFields(dataOf(refType.def).fields, data.link, true, [...parentChain, nestedName]);
            inputTypes.push({ name: nestedName, fields: nestedFields });
          }
        } else if (refType.type === 'Enum') {
          processed[fieldName] = refValue({ link: data.link, array: data.array, arrayRequired: data.arrayRequired, valueRequired: data.valueRequired });
        } else {
          throw new Error(
            `Unsupported reference type '${refType.type}' for field '${fieldName}'. Only references to CustomType and Enum are supported (in the arguments of ${operationName}).`,
          );
        }
      } else if (isCustomType(fieldDef)) {
        const nestedName = `${capitalize(originalTypeName)}${capitalize(fieldName)}Input`;
        processed[fieldName] = refValue({ link: nestedName });
        if (!processedTypes.has(nestedName)) {
          processedTypes.add(nestedName);
          const nestedFields = processNonScalarFields(
            dataOf(fieldDef).fields,
            `${capitalize(originalTypeName)}${capitalize(fieldName)}`,
            isParentRef,
            [...parentChain, nestedName],
          );
          inputTypes.push({ name: nestedName, fields: nestedFields });
        }
      } else if (isEnum(fieldDef)) {
        const enumName = `${capitalize(originalTypeName)}${capitalize(fieldName)}`;
        if (!collectedEnums.has(enumName) && !isParentRef) collectedEnums.set(enumName, fieldDef);
        processed[fieldName] = refValue({ link: enumName });
      } else {
        processed[fieldName] = fieldDef;
      }
    }
    return processed;
  };

  const wrap = (name, { valueRequired, array, arrayRequired }) => {
    let field = name;
    if (valueRequired === true) field += '!';
    if (array) {
      field = `[${field}]`;
      if (arrayRequired === true) field += '!';
    }
    return field;
  };

  for (const [argName, argDef] of Object.entries(args)) {
    if (isRef(argDef)) {
      const data = dataOf(argDef);
      const refType = getRefType(data.link, operationName);
      if (refType.type === 'CustomType') {
        const inputTypeName = `${data.link}Input`;
        argDefinitions.push(`${argName}: ${wrap(inputTypeName, data)}`);
        if (!processedTypes.has(inputTypeName)) {
          processedTypes.add(inputTypeName);
          const fields = processNonScalarFields(dataOf(refType.def).fields, data.link, true, [inputTypeName]);
          inputTypes.push({ name: inputTypeName, fields });
        }
      } else if (refType.type === 'Enum') {
        argDefinitions.push(`${argName}: ${wrap(data.link, data)}`);
      } else {
        throw new Error(
          `Unsupported reference type '${refType.type}' for argument '${argName}' in '${operationName}'. Only references to CustomType and Enum are supported.`,
        );
      }
    } else if (isEnum(argDef)) {
      const enumName = `${capitalize(operationName)}${capitalize(argName)}`;
      if (!collectedEnums.has(enumName)) collectedEnums.set(enumName, argDef);
      argDefinitions.push(`${argName}: ${enumName}`);
    } else if (isCustomType(argDef)) {
      const inputTypeName = `${capitalize(operationName)}${capitalize(argName)}Input`;
      argDefinitions.push(`${argName}: ${inputTypeName}`);
      if (!processedTypes.has(inputTypeName)) {
        processedTypes.add(inputTypeName);
        const fields = processNonScalarFields(dataOf(argDef).fields, `${capitalize(operationName)}${capitalize(argName)}`, false, [inputTypeName]);
        inputTypes.push({ name: inputTypeName, fields });
      }
    } else if (isScalar(argDef)) {
      argDefinitions.push(`${argName}: ${scalarFieldToGql(dataOf(argDef))}`);
    } else {
      throw new Error(`Unsupported argument type for ${argName} of ${operationName}`);
    }
  }
  return { inputTypes, argDefinitions, collectedEnums };
}

/** Resolves `{ dataSource, entry }` of an a.handler.custom() call. */
function customHandlerEntries(handlers, opType, fieldName) {
  return {
    typeName: opType,
    fieldName,
    handlers: handlers.map((h) => {
      const data = handlerData(h);
      let dataSource;
      if (data.dataSource === undefined) dataSource = 'NONE_DS';
      else if (isRef(data.dataSource)) dataSource = `${dataOf(data.dataSource).link}Table`;
      else dataSource = data.dataSource;
      return { dataSource, dataSourceInput: data.dataSource, entry: data.entry, stack: data.stack };
    }),
  };
}

function validateCustomOperation(typeDef, typeName, authRules, getRefType) {
  const { handlers, typeName: opType, subscriptionSource, returnType } = dataOf(typeDef);
  const handlerConfigured = handlers?.length;
  const authConfigured = authRules.length > 0;

  if ((authConfigured && !handlerConfigured) || (handlerConfigured && !authConfigured)) {
    // Official: deploying such an operation breaks the CloudFormation stack.
    throw new Error(
      `Custom operation ${typeName} requires both an authorization rule and a handler reference` +
        (authConfigured ? ': add .handler(a.handler.function(fn)) or .handler(a.handler.custom({ entry }))' : ': add .authorization((allow) => [...])'),
    );
  }

  if (handlers?.length) {
    const brands = new Set(handlers.map(handlerBrand));
    if (brands.size > 1) {
      brands.delete('asyncFunctionHandler');
      brands.delete('functionHandler');
      if (brands.size > 0) {
        throw new Error(`Field handlers must be of the same type. ${typeName} has been configured with ${JSON.stringify(Array.from(brands))}`);
      }
    }
  }

  if (returnType === null && (opType === 'Query' || opType === 'Mutation')) {
    if (!finalHandlerIsAsync(handlers)) {
      throw new Error(
        `Invalid Custom ${opType} definition. A Custom ${opType} must include a return type. ${typeName} has no return type specified: add .returns(...).`,
      );
    }
  }

  if (opType !== 'Subscription' && subscriptionSource.length > 0) {
    throw new Error(`The .for() modifier function can only be used with a custom subscription. ${typeName} is not a custom subscription.`);
  }

  if (opType === 'Subscription') {
    if (subscriptionSource.length < 1) {
      throw new Error(
        `${typeName} is missing a mutation source. Custom subscriptions must reference a mutation source via subscription().for(a.ref('ModelOrOperationName')) `,
      );
    }
    let expected;
    for (const source of subscriptionSource) {
      const sourceData = dataOf(source);
      const sourceName = sourceData.link;
      const { type, def } = getRefType(sourceName, typeName);
      if (type !== 'Model' && sourceData.mutationOperations.length > 0) {
        throw new Error(`Invalid subscription definition. .mutations() modifier can only be used with a Model ref. ${typeName} is referencing ${type}`);
      }
      let resolved;
      if (type === 'Model') {
        if (sourceData.mutationOperations.length === 0) {
          throw new Error(
            `Invalid subscription definition. .mutations() modifier must be used with a Model ref subscription source. ${typeName} is referencing ${sourceName} without specifying a mutation`,
          );
        }
        resolved = def;
      }
      if (type === 'CustomOperation') {
        const sourceOp = dataOf(def);
        if (sourceOp.typeName !== 'Mutation') {
          throw new Error(
            `Invalid subscription definition. .for() can only reference a mutation. ${typeName} is referencing ${sourceName} which is a ${sourceOp.typeName}`,
          );
        }
        resolved = isRef(sourceOp.returnType) ? getRefType(dataOf(sourceOp.returnType).link, typeName).def : sourceOp.returnType;
      }
      expected = expected ?? resolved;
      // Return types are compared by identity, as the official package does.
      if (internal(expected) !== internal(resolved)) {
        throw new Error(
          `Invalid subscription definition. .for() can only reference resources that have the same return type. ${typeName} is referencing resources that have different return types.`,
        );
      }
    }
  }
}

function customOperationToGql(typeName, typeDef, authorization, isCustom, getRefType) {
  const { arguments: fieldArgs, typeName: opType, returnType, handlers, subscriptionSource } = dataOf(typeDef);
  let callSignature = typeName;
  const implicitTypes = [];
  // A custom type returned by a custom operation inherits the operation's auth rules.
  let customTypeAuthRules;

  const { authString } = isCustom ? mapToNativeAppSyncAuthDirectives(authorization, true, typeName) : calculateAuth(authorization);

  const resolveReturnTypeName = (rt, { refererTypeName, addImplicit = true }) => {
    if (isRef(rt)) {
      const { type } = getRefType(dataOf(rt).link, typeName);
      if (type === 'CustomType') customTypeAuthRules = { typeName: dataOf(rt).link, authRules: authorization };
      return refFieldToGql(dataOf(rt));
    }
    if (isCustomType(rt)) {
      const name = `${capitalize(refererTypeName)}ReturnType`;
      if (addImplicit) {
        customTypeAuthRules = { typeName: name, authRules: authorization };
        implicitTypes.push([name, rt]);
      }
      return name;
    }
    if (isEnum(rt)) {
      const name = `${capitalize(refererTypeName)}ReturnType`;
      implicitTypes.push([name, rt]);
      return name;
    }
    if (isScalar(rt)) return scalarFieldToGql(dataOf(rt));
    throw new Error(`Unrecognized return type on ${typeName}`);
  };

  let returnTypeName;
  if (opType === 'Subscription' && returnType === null) {
    // All sources were validated to resolve to the same return type.
    const first = dataOf(subscriptionSource[0]);
    const { type, def } = getRefType(first.link, typeName);
    if (type === 'CustomOperation') {
      returnTypeName = resolveReturnTypeName(dataOf(def).returnType, { refererTypeName: first.link, addImplicit: false });
    } else {
      returnTypeName = refFieldToGql(first);
    }
  } else {
    returnTypeName = resolveReturnTypeName(returnType, { refererTypeName: typeName });
  }

  const { inputTypes, argDefinitions, collectedEnums } = generateInputTypes(typeName, fieldArgs, getRefType);
  for (const [enumName, enumDef] of collectedEnums) {
    if (!implicitTypes.some(([name]) => name === enumName)) implicitTypes.push([enumName, enumDef]);
  }
  if (argDefinitions.length > 0) callSignature += `(${argDefinitions.join(', ')})`;

  let gqlHandlerContent = '';
  let lambdaFunctionDefinition = {};
  if (isFunctionHandlerList(handlers)) {
    ({ gqlHandlerContent, lambdaFunctionDefinition } = transformFunctionHandler(handlers, typeName));
  } else if (isSqlReferenceList(handlers) || (handlers && handlerBrand(handlers[0]) === 'inlineSql')) {
    throw new Error(`Custom operation ${typeName}: SQL handlers (a.handler.inlineSql / a.handler.sqlReference) need a SQL data source, which ampbase does not support.`);
  }

  if (opType === 'Subscription') {
    const sources = subscriptionSource
      .flatMap((source) => {
        const link = dataOf(source).link;
        const { type } = getRefType(link, typeName);
        if (type === 'CustomOperation') return link;
        if (type === 'Model') return dataOf(source).mutationOperations.map((op) => `${op}${capitalize(link)}`);
        return undefined;
      })
      .join('", "');
    gqlHandlerContent += `@aws_subscribe(mutations: ["${sources}"]) `;
  }

  return {
    gqlField: `${callSignature}: ${returnTypeName} ${gqlHandlerContent}${authString}`,
    implicitTypes,
    customTypeAuthRules,
    lambdaFunctionDefinition,
    inputTypes,
  };
}

/** Names of custom types nested (inline or by ref) in a custom type returned by an operation. */
function nestedCustomTypeNames(customTypeAuthRules, topLevelTypes, getRefType) {
  const found = topLevelTypes.find(([name]) => name === customTypeAuthRules.typeName);
  const rootDef = found ? found[1] : getRefType(customTypeAuthRules.typeName).def;
  const traverse = (name, typeDef, names = []) => {
    for (const [fieldName, fieldDef] of Object.entries(dataOf(typeDef).fields)) {
      if (isCustomType(fieldDef)) {
        const nested = `${capitalize(name)}${capitalize(fieldName)}`;
        names.push(nested);
        traverse(nested, fieldDef, names);
      } else if (isRef(fieldDef)) {
        const refType = getRefType(dataOf(fieldDef).link, name);
        if (refType.type === 'CustomType') {
          names.push(dataOf(fieldDef).link);
          traverse(dataOf(fieldDef).link, refType.def, names);
        }
      }
    }
    return names;
  };
  return traverse(customTypeAuthRules.typeName, rootDef);
}

function mergeCustomTypeAuthRules(existing, added) {
  if (!added) return;
  const { typeName, authRules } = added;
  existing[typeName] = typeName in existing ? [...existing[typeName], ...authRules] : authRules;
}

// ---------------------------------------------------------------------------
// Relationship validation (official `validateRelationships`)
// ---------------------------------------------------------------------------

function describeConnection(field, modelName) {
  const assoc = field.def.array ? `[${field.def.relatedModel}]` : field.def.relatedModel;
  const refs = field.def.references.reduce((d, r) => d + `'${r}', `, 'references: [').slice(0, -2) + ']';
  return `${modelName}.${field.name}: ${assoc} @${field.def.type}(${refs})`;
}

function identifierTypes(model) {
  const { identifier, fields } = dataOf(model);
  return identifier.flatMap((name) => {
    const field = fields[name];
    if (field) return [dataOf(field)?.fieldType];
    if (name === 'id') return ['ID']; // implicit id
    return [];
  });
}

function associatedConnectionField(sourceModelName, sourceField, associatedModel) {
  const counterparts = sourceField.def.type === 'belongsTo' ? ['hasOne', 'hasMany'] : ['belongsTo'];
  const candidates = Object.entries(dataOf(associatedModel).fields).filter(([, f]) => {
    if (!isRelationship(f)) return false;
    const d = dataOf(f);
    return (
      d.relatedModel === sourceModelName &&
      counterparts.includes(d.type) &&
      d.references.length === sourceField.def.references.length &&
      d.references.every((v, i) => v === sourceField.def.references[i])
    );
  });
  if (candidates.length !== 1) {
    const description = describeConnection(sourceField, sourceModelName);
    const hint =
      sourceField.def.type === 'belongsTo'
        ? ` (add a.hasMany('${sourceModelName}', ${JSON.stringify(sourceField.def.references.length === 1 ? sourceField.def.references[0] : sourceField.def.references)}) or a.hasOne(...) to ${sourceField.def.relatedModel})`
        : ` (add a.belongsTo('${sourceModelName}', ${JSON.stringify(sourceField.def.references.length === 1 ? sourceField.def.references[0] : sourceField.def.references)}) to ${sourceField.def.relatedModel})`;
    const message =
      candidates.length === 0
        ? `Unable to find associated relationship definition in ${sourceField.def.relatedModel}`
        : `Found multiple relationship associations with ${candidates.map(([n]) => `${sourceField.def.relatedModel}.${n}`).join(', ')}`;
    throw new Error(`${message} for ${description}${candidates.length === 0 ? hint : ''}`);
  }
  return { name: candidates[0][0], def: dataOf(candidates[0][1]) };
}

/** Attaches a builder's source location to an error raised about it (kept if already set). */
function atLocation(error, location) {
  if (error && typeof error === 'object' && location && !error.ampbaseLocation) error.ampbaseLocation = location;
  return error;
}

function validateRelationships(typeName, fields, getInternalModel) {
  for (const [name, field] of Object.entries(fields)) {
    if (!isRelationship(field)) continue;
    const source = { name, def: dataOf(field) };
    const sourceModel = getInternalModel(typeName, typeName);
    const associatedModel = getInternalModel(source.def.relatedModel, typeName);
    const related = associatedConnectionField(typeName, source, associatedModel);
    const rel =
      source.def.type === 'belongsTo'
        ? { parent: associatedModel, parentField: related, child: sourceModel, childField: source, references: source.def.references }
        : { parent: sourceModel, parentField: source, child: associatedModel, childField: related, references: source.def.references };

    const parentIdentifiers = identifierTypes(rel.parent);
    const childReferenceTypes = [];
    for (const reference of rel.references) {
      const refField = dataOf(rel.child).fields[reference];
      const refType = refField ? dataOf(refField)?.fieldType : undefined;
      if (!refType) {
        throw new Error(
          `reference field '${reference}' must be defined on ${rel.parentField.def.relatedModel}. ` +
            describeConnection(rel.parentField, rel.childField.def.relatedModel) +
            ' <-> ' +
            describeConnection(rel.childField, rel.parentField.def.relatedModel) +
            ` (add e.g. ${reference}: a.id() to ${rel.parentField.def.relatedModel})`,
        );
      }
      childReferenceTypes.push(refType);
    }
    if (parentIdentifiers.length !== childReferenceTypes.length) {
      throw new Error(
        `The identifiers defined on ${rel.childField.def.relatedModel} must match the reference fields defined on ${rel.parentField.def.relatedModel}.\n` +
          `${parentIdentifiers.length} identifiers defined on ${rel.childField.def.relatedModel}.\n` +
          `${childReferenceTypes.length} reference fields found on ${rel.parentField.def.relatedModel}`,
      );
    }
    // ID and String are interchangeable between a parent key and a child reference.
    const matching = (x, y) => x === y || (['ID', 'String'].includes(x) && ['ID', 'String'].includes(y));
    parentIdentifiers.forEach((p, i) => {
      if (!matching(p, childReferenceTypes[i])) {
        throw new Error(
          `Validate Error: types do not match: ${typeName}.${name}: reference field '${rel.references[i]}' of ${rel.childField.def.relatedModel === typeName ? rel.parentField.def.relatedModel : rel.childField.def.relatedModel} is ${childReferenceTypes[i]} but the matching identifier field of the parent is ${p}.`,
        );
      }
    });
  }
}

// ---------------------------------------------------------------------------
// @model attributes from .disableOperations()
// ---------------------------------------------------------------------------

function modelAttributesFromDisabledOps(disabledOps) {
  const fineCoarse = {
    onCreate: 'subscriptions', onUpdate: 'subscriptions', onDelete: 'subscriptions',
    create: 'mutations', update: 'mutations', delete: 'mutations',
    list: 'queries', get: 'queries',
  };
  const coarse = ['queries', 'mutations', 'subscriptions'];
  // coarse-grained operations first, otherwise stable
  const sorted = [...disabledOps.filter((op) => coarse.includes(op)), ...disabledOps.filter((op) => !coarse.includes(op))];
  const attrs = {};
  for (const op of sorted) {
    if (coarse.includes(op)) {
      attrs[op] = null;
      continue;
    }
    const c = fineCoarse[op];
    if (attrs[c] !== null) {
      attrs[c] = attrs[c] || {};
      attrs[c][op] = null;
    }
  }
  return JSON.stringify(attrs).replace(/"/g, '').slice(1, -1);
}

// ---------------------------------------------------------------------------
// The schema processor
// ---------------------------------------------------------------------------

const EVENT_INVOCATION_RESPONSE = (() => {
  const success = { [Symbol.for('ampbase.internal')]: { kind: 'field', data: { fieldType: 'Boolean', required: true, array: false, arrayRequired: false } } };
  const data = { fields: { success }, type: 'customType' };
  return { [Symbol.for('ampbase.internal')]: { kind: 'customType', data, describe: () => 'EventInvocationResponse' } };
})();

/**
 * @param schemaState internal state of an a.schema(...)
 * @returns { schema, functionSlots, jsFunctions, functionSchemaAccess, lambdaFunctions, customSqlDataSourceStrategies }
 */
export function transformSchema(schemaState) {
  const gqlModels = [];
  const customQueries = [];
  const customMutations = [];
  const customSubscriptions = [];
  const customTypeInheritedAuthRules = {};
  const jsFunctions = [];
  const lambdaFunctions = {};
  const databaseEngine = schemaState.data.configuration.database.engine;
  const types = schemaState.data.types;

  // An async Lambda operation needs the EventInvocationResponse type (added
  // once, to the schema's own types, as the official package does).
  if (Object.values(types).some((t) => isOperation(t) && finalHandlerIsAsync(dataOf(t).handlers))) {
    types.EventInvocationResponse = EVENT_INVOCATION_RESPONSE;
  }

  // Custom types last (stable), so auth inherited from operations is known.
  const entries = Object.entries(types);
  const topLevelTypes = [...entries.filter(([, t]) => !isCustomType(t)), ...entries.filter(([, t]) => isCustomType(t))];

  // Schema-level allow.resource(fn) rules grant functions access; they are not @auth rules.
  const schemaAuth = [];
  const functionSchemaAccess = [];
  for (const rule of schemaState.data.authorization) {
    const d = ruleOf(rule);
    if (d.strategy === 'resource') functionSchemaAccess.push({ resourceProvider: d.resource, actions: d.operations || ['query', 'mutate', 'listen'] });
    else schemaAuth.push(rule);
  }

  const getRefType = getRefTypeForSchema(schemaState);
  const uniqueInputTypes = new Map();

  // `topLevelTypes` grows while iterating (hoisted inline types are appended).
  for (let i = 0; i < topLevelTypes.length; i++) {
    const [typeName, typeDef] = topLevelTypes[i];
    try {
      const ownAuth = dataOf(typeDef)?.authorization;
      const mostRelevantAuthRules = ownAuth?.length > 0 ? ownAuth : schemaAuth;

      if (isEnum(typeDef)) {
        const { values } = dataOf(typeDef);
        if (values.some((v) => /\s/.test(v))) {
          throw new Error(`Values of the enum type ${typeName} should not contain any whitespace.`);
        }
        gqlModels.push(`enum ${typeName} {\n  ${values.join('\n  ')}\n}`);
      } else if (isCustomType(typeDef)) {
        const fields = dataOf(typeDef).fields;
        validateRefUseCases(typeName, 'customType', fields, getRefType);
        // Only relationship fields carry field-level auth in custom types (official behaviour).
        const authApplicable = Object.fromEntries(Object.entries(fields).filter(([, f]) => isRelationship(f)));
        let customAuth = '';
        if (typeName in customTypeInheritedAuthRules) {
          customAuth = mapToNativeAppSyncAuthDirectives(customTypeInheritedAuthRules[typeName], false, typeName).authString;
        }
        const authFields = {};
        const fieldLevelAuthRules = processFieldLevelAuthRules(authApplicable, authFields);
        const { gqlFields, implicitTypes } = processFields(typeName, fields, authFields, fieldLevelAuthRules, undefined, undefined, undefined, databaseEngine);
        topLevelTypes.push(...implicitTypes);
        gqlModels.push(`type ${typeName} ${customAuth}\n{\n  ${gqlFields.join('\n  ')}\n}`);
      } else if (isOperation(typeDef)) {
        const { typeName: opType, handlers } = dataOf(typeDef);
        validateCustomOperation(typeDef, typeName, mostRelevantAuthRules, getRefType);
        let jsFunction;
        if (isCustomHandlerList(handlers)) jsFunction = customHandlerEntries(handlers, opType, typeName);
        const { gqlField, implicitTypes, customTypeAuthRules, lambdaFunctionDefinition, inputTypes } = customOperationToGql(
          typeName,
          typeDef,
          mostRelevantAuthRules,
          Boolean(jsFunction),
          getRefType,
        );
        for (const { name, fields } of inputTypes) if (!uniqueInputTypes.has(name)) uniqueInputTypes.set(name, fields);
        topLevelTypes.push(...implicitTypes);
        mergeCustomTypeAuthRules(customTypeInheritedAuthRules, customTypeAuthRules);
        if (customTypeAuthRules) {
          for (const nested of nestedCustomTypeNames(customTypeAuthRules, topLevelTypes, getRefType)) {
            mergeCustomTypeAuthRules(customTypeInheritedAuthRules, { typeName: nested, authRules: customTypeAuthRules.authRules });
          }
        }
        Object.assign(lambdaFunctions, lambdaFunctionDefinition);
        if (jsFunction) jsFunctions.push(jsFunction);
        if (opType === 'Query') customQueries.push(gqlField);
        else if (opType === 'Mutation') customMutations.push(gqlField);
        else if (opType === 'Subscription') customSubscriptions.push(gqlField);
      } else if (isModel(typeDef)) {
        const data = dataOf(typeDef);
        const fields = data.fields;
        validateRefUseCases(typeName, 'model', fields, getRefType);
        const identifier = data.identifier;
        const [partitionKey] = identifier;
        const secondaryIndexes = transformSecondaryIndexes(typeName, data.secondaryIndexes, fields, getRefType, internal(typeDef).location);
        const { authString, authFields } = calculateAuth(mostRelevantAuthRules);
        if (authString === '') {
          throw new Error(
            `Model \`${typeName}\` is missing authorization rules. Add global rules to the schema or ensure every model has its own rules, ` +
              `e.g. a.model({...}).authorization((allow) => [allow.publicApiKey()]) or a.schema({...}).authorization((allow) => [allow.owner()]).`,
          );
        }
        const getInternalModel = (modelName, referrer) => {
          const { def } = getRefType(modelName, referrer);
          if (!isModel(def)) throw new Error(`Expected to find model type with name ${modelName} (referenced by ${referrer}), but ${modelName} is not a model.`);
          return def;
        };
        validateRelationships(typeName, fields, getInternalModel);
        const fieldLevelAuthRules = processFieldLevelAuthRules(fields, authFields);
        const { gqlFields, implicitTypes } = processFields(typeName, fields, authFields, fieldLevelAuthRules, identifier, partitionKey, secondaryIndexes, databaseEngine, internal(typeDef).location);
        topLevelTypes.push(...implicitTypes);
        const modelAttrs = modelAttributesFromDisabledOps(data.disabledOperations);
        const modelDirective = modelAttrs ? `@model(${modelAttrs})` : '@model';
        gqlModels.push(`type ${typeName} ${modelDirective} ${authString}\n{\n  ${gqlFields.join('\n  ')}\n}`);
      }
      // kind 'unsupported' (AI kit) entries are left out; the loader warns about them.
      } catch (error) {
      // Errors about a type point at where the user wrote it.
      throw atLocation(error, internal(typeDef)?.location);
    }
  }

  for (const [name, fields] of uniqueInputTypes) {
    const { gqlFields } = processFields(name, fields, {}, {}, undefined, undefined, undefined, databaseEngine);
    gqlModels.push(`input ${name} {\n  ${gqlFields.join('\n  ')}\n}`);
  }

  if (customMutations.length > 0) gqlModels.push(`type Mutation {\n  ${customMutations.join('\n  ')}\n}`);
  if (customQueries.length > 0) gqlModels.push(`type Query {\n  ${customQueries.join('\n  ')}\n}`);
  if (customSubscriptions.length > 0) gqlModels.push(`type Subscription {\n  ${customSubscriptions.join('\n  ')}\n}`);

  return {
    schema: gqlModels.join('\n\n'),
    functionSlots: [],
    jsFunctions,
    functionSchemaAccess,
    lambdaFunctions,
    customSqlDataSourceStrategies: [],
  };
}
