// The official package throws for this schema (hasMany without belongsTo); ours must too.
import { a } from '@aws-amplify/backend';

export const schema = a
  .schema({
    Post: a.model({ comments: a.hasMany('Comment', 'postId') }),
    Comment: a.model({ postId: a.id() }),
  })
  .authorization((allow) => [allow.publicApiKey()]);
