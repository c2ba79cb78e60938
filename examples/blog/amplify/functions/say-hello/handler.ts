import { env } from '$amplify/env/say-hello';

export const handler = async (event: { arguments: { name?: string } }) => {
  return `${env.GREETING}, ${event.arguments.name ?? 'world'}!`;
};
