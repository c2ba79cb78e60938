// Assertions on AppSync's error shapes, written to AppSync's documented behaviour:
//
// - GraphQL-level errors (resolver errors, authorization, validation): HTTP 200, body
//   `{ data, errors: [{ path, data, errorType, errorInfo, locations, message }] }`
//   (client-protocol.md §3.3). The client passes `errors` through unchanged and returns
//   `{ data: null, errors }` from model operations.
// - Validation errors (unknown field, wrong variable type, missing required input): HTTP
//   200, `data: null`, `errors[].message` and `locations`, `path: null`. AppSync's own
//   published samples carry no `errorType` for these (graphql/graphql-over-http#81, by the
//   AppSync team), so none is required here.
// - Requests it cannot read as GraphQL (empty body, not JSON, no `query`): HTTP 400,
//   `errors[0].errorType: "MalformedHttpRequestException"` (same source).
// - Authentication failures: HTTP 401, header `x-amzn-ErrorType: UnauthorizedException`,
//   `errors[0].errorType: "UnauthorizedException"` (client-protocol.md §3.3).
//
// Messages are AppSync's business and change; tests match `errorType`, never message text.
import assert from 'node:assert/strict';
import { describe } from './client.mjs';

/** The errorType of a failed DynamoDB condition: AppSync reports `DynamoDB:ConditionalCheckFailedException`. */
export const CONDITIONAL_CHECK_FAILED = /^(DynamoDB:)?ConditionalCheckFailedException$/;

/**
 * `result` is what a model operation or `client.graphql` returned: it must carry a non-empty
 * `errors` array of AppSync-shaped errors. With `errorType` (string or RegExp), one of them
 * must have it.
 */
export function assertGraphQLErrors(result, { errorType, what = 'the operation' } = {}) {
  assert.ok(result && Array.isArray(result.errors) && result.errors.length > 0, `${what} should fail with GraphQL errors, got ${describe(result)}`);
  for (const error of result.errors) {
    assert.equal(typeof error.message, 'string', `every error has a message: ${describe(error)}`);
    // The client turns a failed request (connection refused, reset, non-JSON answer) into
    // `{ errors: [{ message: 'A network error has occurred.' }] }`: that is not a server verdict.
    assert.ok(!/network error/i.test(error.message), `${what} did not reach a verdict of the server: ${describe(result.errors)}`);
    if (error.errorType !== undefined && error.errorType !== null) {
      assert.equal(typeof error.errorType, 'string', `errorType is a string when present: ${describe(error)}`);
    }
  }
  if (errorType !== undefined) {
    const types = result.errors.map((error) => error.errorType);
    const matches = types.some((type) => (errorType instanceof RegExp ? errorType.test(type ?? '') : type === errorType));
    assert.ok(matches, `${what}: expected errorType ${errorType}, got ${describe(types)} in ${describe(result.errors)}`);
  }
  return result.errors;
}

/** A model operation that must be rejected: errors, and no record in `data`. */
export function assertRejected(result, options = {}) {
  const errors = assertGraphQLErrors(result, options);
  assert.ok(result.data === null || result.data === undefined || (Array.isArray(result.data) && result.data.length === 0), `${options.what ?? 'the operation'} must not return data with its errors: ${describe(result.data)}`);
  return errors;
}

/** A model operation that must succeed: no errors and a record. */
export function assertOk(result, what = 'the operation') {
  assert.ok(result, `${what} returned nothing`);
  assert.ok(!result.errors || result.errors.length === 0, `${what} failed: ${describe(result.errors)}`);
  assert.ok(result.data !== null && result.data !== undefined, `${what} returned no data: ${describe(result)}`);
  return result.data;
}

/**
 * A raw HTTP response from the GraphQL endpoint. Returns `{ status, headers, body, text }`;
 * never hangs (10 s timeout per request).
 */
export async function post(url, { body, headers = {}, apiKey, method = 'POST', timeoutMs = 10_000 } = {}) {
  const allHeaders = { 'content-type': 'application/json; charset=UTF-8', ...headers };
  if (apiKey !== undefined) allHeaders['x-api-key'] = apiKey;
  const response = await fetch(url, { method, headers: allHeaders, body, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** An HTTP-level AppSync error: `status`, and JSON `errors[]` with the given errorType. */
export function assertHttpError(response, { status, errorType }) {
  const shown = `HTTP ${response.status} ${response.text.slice(0, 1000)}`;
  if (status !== undefined) {
    const allowed = Array.isArray(status) ? status : [status];
    assert.ok(allowed.includes(response.status), `expected HTTP ${allowed.join(' or ')}, got ${shown}`);
  }
  assert.ok(response.body && Array.isArray(response.body.errors) && response.body.errors.length > 0, `expected a JSON body with errors[], got ${shown}`);
  for (const error of response.body.errors) {
    assert.equal(typeof error.message, 'string', `every error has a message: ${shown}`);
  }
  if (errorType !== undefined) {
    const types = response.body.errors.map((error) => error.errorType);
    const matches = types.some((type) => (errorType instanceof RegExp ? errorType.test(type ?? '') : type === errorType));
    assert.ok(matches, `expected errorType ${errorType}, got ${describe(types)}: ${shown}`);
  }
  return response.body.errors;
}

/** A GraphQL validation failure as AppSync answers it: HTTP 200, `data: null`, errors with message and locations. */
export function assertValidationError(response) {
  const errors = assertHttpError(response, { status: 200 });
  assert.ok(response.body.data === null || response.body.data === undefined, `a request that fails validation has no data: ${response.text.slice(0, 1000)}`);
  return errors;
}
