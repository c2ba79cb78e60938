import { env } from '$amplify/env/report-env';
import type { Schema } from '../../data/resource';

export const handler: Schema['reportEnv']['functionHandler'] = async (event, context) => ({
  greeting: env.GREETING,
  secret: env.API_TOKEN,
  functionName: context.functionName,
  region: env.AWS_REGION,
  graphqlEndpoint: env.AMPLIFY_DATA_GRAPHQL_ENDPOINT,
  dataName: env.AMPLIFY_DATA_DEFAULT_NAME,
  identityIsNull: event.identity === null,
  fieldName: event.info.fieldName,
  parentTypeName: event.info.parentTypeName,
  selection: event.info.selectionSetList,
  remainingMs: context.getRemainingTimeInMillis(),
});
