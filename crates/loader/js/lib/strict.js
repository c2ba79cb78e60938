// Strict builder objects: every builder the runtime hands to user code is
// wrapped in a Proxy that throws a self-contained, actionable Error when user
// code reads a property that does not exist (typically a misspelt method such
// as `a.strng()` or `allow.publicApikey()`), instead of the bare
// "not a function" TypeError JavaScript would give.
//
// Internal code never duck-types through these proxies: builder state lives
// under the INTERNAL symbol (symbols always pass through), see `internal()`.

export const INTERNAL = Symbol.for('ampbase.internal');

// Properties that JavaScript machinery or common tooling probes for on any
// object. Reading them must not throw (e.g. `await builder` reads `then`,
// JSON.stringify reads `toJSON`).
const PROBES = new Set([
  'then', 'toJSON', 'constructor', 'toString', 'valueOf', 'toLocaleString',
  'inspect', 'asymmetricMatch', '$$typeof', 'nodeType', '__esModule',
  'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', '__proto__',
  // duck-typing probes for schemas (`typeof v.transform === 'function'`)
  'transform', 'schemas',
]);

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a, b) {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const row = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (x[i - 1] === y[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[y.length];
}

/** The closest valid name, if it is close enough to be a plausible typo. */
export function suggest(name, valid) {
  let best;
  let bestScore = Infinity;
  for (const candidate of valid) {
    const score = distance(String(name), candidate);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  const limit = Math.max(2, Math.floor(String(name).length / 3));
  return bestScore <= limit ? best : undefined;
}

/**
 * Wraps `target` so that reading an unknown string property throws.
 *
 * @param target the real builder object
 * @param describe (name) => message prefix, e.g. `a.${name} is not a function of the schema builder`
 * @param options.prefix how a valid name is shown in the suggestion (`a.`, `.`, `allow.`)
 * @param options.suffix appended to the suggested name (`()` for methods)
 * @param options.explain optional (name) => extra sentence for names that exist elsewhere
 */
export function strict(target, describe, options = {}) {
  const { prefix = '.', suffix = '', explain } = options;
  return new Proxy(target, {
    get(obj, key, receiver) {
      if (typeof key === 'symbol' || key in obj || PROBES.has(key)) {
        return Reflect.get(obj, key, receiver);
      }
      const valid = Object.keys(obj).filter((k) => !k.startsWith('_'));
      const guess = suggest(key, valid);
      let message = describe(key);
      const extra = explain && explain(key);
      if (extra) message += `. ${extra}`;
      message += guess ? `; did you mean ${prefix}${guess}${suffix}?` : '.';
      message += ` Valid: ${valid.join(', ')}.`;
      throw new Error(message);
    },
  });
}

/** The internal state of a builder (or undefined for anything else). */
export function internal(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function')
    ? value[INTERNAL]
    : undefined;
}

/** A short description of an arbitrary value for error messages. */
export function describeValue(value) {
  const state = internal(value);
  if (state) return state.describe ? state.describe() : state.kind;
  if (value === null) return 'null';
  if (value === undefined) return 'nothing (undefined)';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'a plain object';
  return `${typeof value} ${String(value)}`;
}
