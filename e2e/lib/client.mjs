// The official client, set up exactly as an app sets it up:
//
//   import outputs from './amplify_outputs.json';
//   Amplify.configure(outputs);
//   const client = generateClient<Schema>();
//
// plus small helpers to wait for what the client reports (subscription acknowledgements
// on the Hub, subscription events, observeQuery snapshots). Nothing here talks to the
// server itself.
import './websocket.mjs'; // first: the global WebSocket Node 20 lacks (see that file)
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/data';
import { Hub } from 'aws-amplify/utils';

/** `Amplify.configure(outputs)` + `generateClient()`, the quickstart's two lines. */
export function createClient(outputs, options) {
  Amplify.configure(outputs);
  return generateClient(options);
}

export { Amplify, generateClient, Hub };

// ---------------------------------------------------------------------------------------
// Subscription acknowledgements. The AppSync provider dispatches
// `{ event: 'Subscription ack', data: { id, query, variables } }` on the `api` Hub channel
// when the server answers `start` with `start_ack` (api-graphql's CONTROL_MSG.SUBSCRIPTION_ACK).
// Waiting for it before mutating is what makes "the subscriber sees the next write" a fair
// assertion: events for writes made before start_ack are not owed to the subscriber.

const acks = [];
const connectionStates = [];
const hubWaiters = new Set();
Hub.listen('api', ({ payload }) => {
  if (payload?.event === 'Subscription ack') {
    const query = payload.data?.query;
    acks.push({ query: typeof query === 'string' ? query : JSON.stringify(query), variables: payload.data?.variables });
  } else if (payload?.event === 'ConnectionStateChange') {
    connectionStates.push(payload.data?.connectionState);
  }
  for (const wake of [...hubWaiters]) wake();
});

/** The current position in the list of acknowledgements, for `waitForAcks(…, { since })`. */
export function ackMark() {
  return acks.length;
}

/**
 * Waits until, after position `since`, the server acknowledged a subscription for each of
 * `operations` (e.g. the three observeQuery starts by itself).
 */
export function waitForAcks(operations, { since = 0, timeoutMs = 10_000 } = {}) {
  return waitUntil(
    () => {
      const seen = acks.slice(since);
      return operations.every((operation) => seen.some((ack) => ackIsFor(ack, operation)));
    },
    {
      timeoutMs,
      what: `the start_ack of ${operations.join(', ')}`,
      details: () => `acknowledged: ${acks.slice(since).map((ack) => ack.query.replace(/\s+/g, ' ').slice(0, 80)).join(' | ') || '(none)'}; real-time connection states: ${connectionStates.join(' → ') || '(none)'}`,
    },
  );
}

function ackIsFor(ack, operation) {
  return new RegExp(`\\b${operation}\\s*[({]`).test(ack.query);
}

/** The connection states the real-time provider went through (for failure messages). */
export function realtimeConnectionStates() {
  return [...connectionStates];
}

/**
 * Resolves when `check()` returns a truthy value or throws; re-checked on every Hub event,
 * every pushed event of the helpers below, and every 25 ms.
 */
export function waitUntil(check, { timeoutMs = 10_000, what = 'a condition', details = () => '' } = {}) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    let timer;
    const done = () => {
      hubWaiters.delete(wake);
      clearInterval(timer);
    };
    const wake = () => {
      let value;
      try {
        value = check();
      } catch (error) {
        done();
        reject(error);
        return;
      }
      if (value) {
        done();
        resolve(value);
      } else if (Date.now() >= deadline) {
        done();
        const extra = details();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${extra ? `\n${extra}` : ''}`));
      }
    };
    hubWaiters.add(wake);
    timer = setInterval(wake, 25);
    wake();
  });
}

function wakeAll() {
  for (const wake of [...hubWaiters]) wake();
}

/**
 * Subscribes to `observable` (e.g. `client.models.Todo.onCreate({ filter })`) and waits for
 * the server's `start_ack` of the subscription whose document contains `operation`
 * (e.g. 'onCreateTodo'). Start subscriptions one after the other so acks cannot be mixed up.
 *
 * Returns `{ events, errors, waitFor(predicate), nothingMore(ms), unsubscribe() }`.
 */
export async function subscribeAndWait(observable, operation, { timeoutMs = 10_000 } = {}) {
  const since = acks.length;
  const subscription = collect(observable, operation);
  try {
    await waitUntil(
      () => {
        if (subscription.errors.length) {
          throw new Error(`${operation} failed before its start_ack: ${describe(subscription.errors)}`);
        }
        return acks.slice(since).some((ack) => ackIsFor(ack, operation));
      },
      {
        timeoutMs,
        what: `the start_ack of ${operation}`,
        details: () => `real-time connection states: ${connectionStates.join(' → ') || '(none)'}`,
      },
    );
  } catch (error) {
    subscription.unsubscribe();
    throw error;
  }
  return subscription;
}

/** Collects what an Observable emits: `{ events, errors, completed, waitFor, nothingMore, unsubscribe }`. */
export function collect(observable, label = 'observable') {
  const events = [];
  const errors = [];
  const state = { completed: false };
  const handle = observable.subscribe({
    next: (value) => {
      events.push(value);
      wakeAll();
    },
    error: (error) => {
      errors.push(error);
      wakeAll();
    },
    complete: () => {
      state.completed = true;
      wakeAll();
    },
  });
  return {
    events,
    errors,
    get completed() {
      return state.completed;
    },
    /** The first event (from index `from`) for which `predicate` holds. */
    waitFor(predicate, { from = 0, timeoutMs = 10_000, what } = {}) {
      return waitUntil(
        () => {
          if (errors.length) throw new Error(`${label} errored: ${describe(errors)}`);
          return events.slice(from).find((event) => predicate(event));
        },
        {
          timeoutMs,
          what: what ?? `an event of ${label} matching ${predicate}`,
          details: () => `${label} received ${events.length} event(s): ${describe(events)}`,
        },
      );
    },
    /** Resolves after `ms` if nothing arrived past index `from`; rejects with what did arrive. */
    async nothingMore(ms, { from = events.length } = {}) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (events.length > from) {
        throw new Error(`${label} received unexpected event(s): ${describe(events.slice(from))}`);
      }
    },
    unsubscribe() {
      handle.unsubscribe();
    },
  };
}

export function describe(value) {
  try {
    return JSON.stringify(value, (key, v) => (v instanceof Error ? { name: v.name, message: v.message } : v)).slice(0, 2000);
  } catch {
    return String(value);
  }
}
