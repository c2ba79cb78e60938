import type { Schema } from '../../data/resource';

export const handler: Schema['sayHello']['functionHandler'] = async (event) => {
  return `Hello, ${event.arguments.name ?? 'world'}!`;
};
