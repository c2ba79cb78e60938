// ampbase's Lambda runtime for Node.js: the runtime loop of the Lambda Runtime API.
// Imports the handler once (warm), then asks for the next invocation, runs the handler with
// Lambda's event, context and callback, and posts the result or the error, forever.
//
// Environment, as Lambda sets it: AWS_LAMBDA_RUNTIME_API (host:port), LAMBDA_TASK_ROOT,
// _HANDLER (`<module>.<export>`), AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
// AWS_LAMBDA_FUNCTION_VERSION.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { pathToFileURL } from 'node:url';

const [apiHost, apiPort] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime';
/** Lambda's limit for a synchronous invocation's response. */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

function call(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: apiHost, port: Number(apiPort), method, path: base + urlPath, agent, headers },
      (response) => {
        const chunks = [];
        response.on('data', (c) => chunks.push(c));
        response.on('end', () =>
          resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    if (body !== undefined) request.end(body);
    else request.end();
  });
}

/** Lambda's error payload for anything thrown. */
function errorPayload(error, fallbackType = 'Error') {
  if (error instanceof Error) {
    return {
      errorType: error.name || error.constructor?.name || fallbackType,
      errorMessage: error.message,
      stackTrace: String(error.stack ?? '').split('\n'),
    };
  }
  if (typeof error === 'string') return { errorType: 'string', errorMessage: error, stackTrace: [] };
  let text;
  try {
    text = JSON.stringify(error);
  } catch {
    text = String(error);
  }
  return { errorType: typeof error, errorMessage: text ?? String(error), stackTrace: [] };
}

function postError(urlPath, error, fallbackType) {
  const payload = errorPayload(error, fallbackType);
  return call('POST', urlPath, JSON.stringify(payload), {
    'content-type': 'application/json',
    'lambda-runtime-function-error-type': payload.errorType,
  });
}

// Lambda's log format: `<ISO time>\t<request id>\t<LEVEL>\t<message>`.
let currentRequestId;
for (const [method, level] of [
  ['log', 'INFO'],
  ['info', 'INFO'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
  ['debug', 'DEBUG'],
  ['trace', 'TRACE'],
]) {
  const stream = level === 'WARN' || level === 'ERROR' ? process.stderr : process.stdout;
  console[method] = (...args) => {
    stream.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${util.format(...args)}\n`);
  };
}

async function loadHandler() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  const spec = process.env._HANDLER ?? 'index.handler';
  const dot = spec.lastIndexOf('.');
  const moduleName = spec.slice(0, dot);
  const exportName = spec.slice(dot + 1);
  const file = ['.mjs', '.js', '.cjs']
    .map((ext) => path.join(taskRoot, moduleName + ext))
    .find((candidate) => fs.existsSync(candidate));
  if (!file) {
    const error = new Error(`Cannot find module '${moduleName}'`);
    error.name = 'Runtime.ImportModuleError';
    throw error;
  }
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (cause) {
    const error = new Error(`${cause?.name ?? 'Error'}: ${cause?.message ?? cause}`);
    error.name = 'Runtime.ImportModuleError';
    error.stack = cause?.stack ?? error.stack;
    throw error;
  }
  const handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    const error = new Error(`${spec} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return handler;
}

function makeContext(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  if (headers['lambda-runtime-client-context']) context.clientContext = JSON.parse(headers['lambda-runtime-client-context']);
  if (headers['lambda-runtime-cognito-identity']) context.identity = JSON.parse(headers['lambda-runtime-cognito-identity']);
  return context;
}

/** Runs one invocation: an async handler's promise, or the (event, context, callback) form. */
function run(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, value) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(value);
    };
    context.done = callback;
    context.succeed = (value) => callback(null, value);
    context.fail = (error) => callback(error ?? new Error('handled'));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') {
        returned.then((value) => callback(null, value), (error) => callback(error ?? new Error('Promise rejected')));
      } else if (handler.length < 3) {
        callback(null, returned);
      }
    } catch (error) {
      callback(error);
    }
  });
}

let handler;
try {
  handler = await loadHandler();
} catch (error) {
  await postError('/init/error', error, 'Runtime.ImportModuleError').catch(() => {});
  console.error(String(error.stack ?? error));
  process.exit(1);
}

// An error escaping the handler ends the environment, after reporting it, as in Lambda.
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, async (error) => {
    const id = currentRequestId;
    console.error(`${event === 'unhandledRejection' ? 'Unhandled Promise Rejection' : 'Uncaught Exception'}\t${util.inspect(error)}`);
    if (id) await postError(`/invocation/${id}/error`, error, 'Runtime.UnhandledPromiseRejection').catch(() => {});
    process.exit(129);
  });
}

for (;;) {
  const next = await call('GET', '/invocation/next');
  if (next.status !== 200) {
    console.error(`the Runtime API answered ${next.status} to /invocation/next: ${next.body}`);
    process.exit(1);
  }
  const context = makeContext(next.headers);
  const requestId = context.awsRequestId;
  currentRequestId = requestId;
  if (next.headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
  let outcome;
  try {
    const event = JSON.parse(next.body);
    const value = await run(handler, event, context);
    const body = JSON.stringify(value === undefined ? null : value);
    if (Buffer.byteLength(body) > MAX_RESPONSE_BYTES) {
      const error = new Error(`Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`);
      error.name = 'Function.ResponseSizeTooLarge';
      throw error;
    }
    outcome = call('POST', `/invocation/${requestId}/response`, body, { 'content-type': 'application/json' });
  } catch (error) {
    // Lambda's own line for a failed invocation.
    console.error(`Invoke Error \t${JSON.stringify(errorPayload(error))}`);
    outcome = postError(`/invocation/${requestId}/error`, error);
  }
  await outcome;
  currentRequestId = undefined;
}
