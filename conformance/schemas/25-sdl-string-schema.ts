// defineData with a Gen 1 style SDL string as its schema (catalog DATA-08:
// "type Todo @model @auth(rules: [{ allow: owner }]) ..."), a custom API
// name, user pool default with API key.
import { defineData } from '@aws-amplify/backend';

export const data = defineData({
  name: 'LegacyNotes',
  schema: /* GraphQL */ `
    type Todo @model @auth(rules: [{ allow: owner }]) {
      content: String
      isDone: Boolean
    }

    type Board @model @auth(rules: [{ allow: public, provider: apiKey, operations: [read] }, { allow: private }]) {
      id: ID!
      title: String!
      pins: [Pin] @hasMany(references: ["boardId"])
    }

    type Pin @model @auth(rules: [{ allow: public, provider: apiKey, operations: [read] }, { allow: private }]) {
      id: ID!
      boardId: ID!
      board: Board @belongsTo(references: ["boardId"])
      note: String
    }
  `,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
