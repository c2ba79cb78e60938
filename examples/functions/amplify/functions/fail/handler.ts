import type { Schema } from '../../data/resource';

class RefusedError extends Error {
  name = 'RefusedError';
}

export const handler: Schema['failHard']['functionHandler'] = async (event) => {
  throw new RefusedError(`refused: ${event.arguments.reason}`);
};
