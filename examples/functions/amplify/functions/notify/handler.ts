export const handler = async (event: { arguments: { message: string } }) => {
  console.log(`notified: ${event.arguments.message}`);
};
