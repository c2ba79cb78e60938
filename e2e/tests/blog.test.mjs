// Every model feature of the blog schema (examples/blog = oracle/examples/02-blog-relations-
// indexes.ts) through the unmodified client: hasMany / belongsTo / hasOne through lazy
// loaders and selection sets, composite references (Author ↔ Post, Author ↔ AuthorProfile),
// secondary-index queries, custom identifiers, enums, custom types, arrays, defaults,
// required fields, and the AppSync scalar formats.
//
// The documents the client sends for each call are in
// conformance/fixtures/02-blog-relations-indexes/client-operations.json.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { CONDITIONAL_CHECK_FAILED, assertOk, assertRejected } from '../lib/appsync.mjs';
import { createClient } from '../lib/client.mjs';
import { useSandbox } from '../lib/sandbox.mjs';

describe('blog (examples/blog)', () => {
  const ctx = useSandbox({ example: 'blog' });
  const run = randomUUID().slice(0, 8);
  let client;
  let serial = 0;
  const unique = (label) => `${label}-${run}-${++serial}`;

  before(() => {
    client = createClient(ctx.sb.outputs);
  });

  async function newBlog(fields = {}) {
    return assertOk(await client.models.Blog.create({ name: unique('blog'), ...fields }), 'create Blog');
  }
  async function newPost(blogId, fields = {}) {
    const slug = fields.slug ?? unique('slug');
    return assertOk(
      await client.models.Post.create({ blogId, title: unique('title'), slug, status: 'DRAFT', ratings: [5], ...fields }),
      'create Post',
    );
  }
  async function newAuthor(fields = {}) {
    return assertOk(
      await client.models.Author.create({ tenantId: `tenant-${run}`, authorId: unique('author'), displayName: 'Ada Lovelace', ...fields }),
      'create Author',
    );
  }
  const ids = (records) => records.map((record) => record.id).sort();

  describe('relationships through lazy loaders', () => {
    test('hasMany: blog.posts() lists the blog\'s posts, page by page with limit/nextToken', async () => {
      const blog = await newBlog();
      const other = await newBlog();
      const posts = [];
      for (let i = 0; i < 5; i++) posts.push(await newPost(blog.id));
      await newPost(other.id);

      const all = await blog.posts();
      assert.ok(!all.errors?.length, JSON.stringify(all.errors));
      assert.deepEqual(ids(all.data), ids(posts));

      const paged = [];
      let nextToken = null;
      let pages = 0;
      do {
        const page = await blog.posts({ limit: 2, nextToken });
        assert.ok(!page.errors?.length, JSON.stringify(page.errors));
        assert.ok(page.data.length <= 2);
        paged.push(...page.data);
        nextToken = page.nextToken ?? null;
        assert.ok(++pages < 50, 'pagination ends');
      } while (nextToken);
      assert.deepEqual(ids(paged), ids(posts), 'every post exactly once across pages');
    });

    test('belongsTo: post.blog() returns the parent; comment.post() likewise', async () => {
      const blog = await newBlog({ description: 'parent' });
      const post = await newPost(blog.id);
      const parent = await post.blog();
      assert.ok(!parent.errors?.length, JSON.stringify(parent.errors));
      assert.equal(parent.data.id, blog.id);
      assert.equal(parent.data.description, 'parent');

      const comment = assertOk(await client.models.Comment.create({ postId: post.id, content: 'first!' }), 'create Comment');
      const commented = await comment.post();
      assert.equal(commented.data.id, post.id);
      const comments = await post.comments();
      assert.deepEqual(ids(comments.data), [comment.id]);
    });

    test('hasOne: blog.settings() returns the one BlogSettings, null when there is none', async () => {
      const blog = await newBlog();
      const none = await blog.settings();
      assert.ok(!none.errors?.length, JSON.stringify(none.errors));
      assert.equal(none.data, null);

      const settings = assertOk(await client.models.BlogSettings.create({ blogId: blog.id, theme: 'dark' }), 'create BlogSettings');
      const fetchedBlog = assertOk(await client.models.Blog.get({ id: blog.id }), 'get Blog');
      const one = await fetchedBlog.settings();
      assert.equal(one.data.id, settings.id);
      assert.equal(one.data.theme, 'dark');
      const back = await settings.blog();
      assert.equal(back.data.id, blog.id);
    });

    test('composite references: author.posts() and author.profile() (hasMany / hasOne on two fields)', async () => {
      const author = await newAuthor();
      const someoneElse = await newAuthor();
      const blog = await newBlog();
      const written = [
        await newPost(blog.id, { authorTenantId: author.tenantId, authorAuthorId: author.authorId }),
        await newPost(blog.id, { authorTenantId: author.tenantId, authorAuthorId: author.authorId }),
      ];
      // Same tenant, other author: must not be mixed up with the first.
      await newPost(blog.id, { authorTenantId: someoneElse.tenantId, authorAuthorId: someoneElse.authorId });

      const posts = await author.posts();
      assert.ok(!posts.errors?.length, JSON.stringify(posts.errors));
      assert.deepEqual(ids(posts.data), ids(written));

      const profile = assertOk(
        await client.models.AuthorProfile.create({ profileId: unique('profile'), bio: 'Analyst', authorTenantId: author.tenantId, authorAuthorId: author.authorId }),
        'create AuthorProfile',
      );
      const loaded = await author.profile();
      assert.ok(!loaded.errors?.length, JSON.stringify(loaded.errors));
      assert.equal(loaded.data.profileId, profile.profileId);
      assert.equal(loaded.data.bio, 'Analyst');
      // belongsTo over composite references (post.author(), profile.author()) is checked
      // through selection sets below: the client's lazy loader builds `get` from the
      // related model's key names (record.authorId), which Post and AuthorProfile do not
      // have (they hold authorAuthorId), so it cannot send a complete key
      // (data-schema runtime/internals/APIClient.mjs, BELONGS_TO sortKeyValues).
    });
  });

  describe('relationships through selection sets', () => {
    test("selectionSet ['id', 'posts.*'] returns the blog with its posts' default fields", async () => {
      const blog = await newBlog();
      const posts = [await newPost(blog.id, { body: 'one' }), await newPost(blog.id, { body: 'two' })];
      const result = await client.models.Blog.get({ id: blog.id }, { selectionSet: ['id', 'posts.*'] });
      const data = assertOk(result, 'get Blog with posts.*');
      assert.equal(data.id, blog.id);
      assert.ok(Array.isArray(data.posts), `posts is flattened to an array: ${JSON.stringify(data.posts)}`);
      assert.deepEqual(ids(data.posts), ids(posts));
      const first = data.posts.find((post) => post.id === posts[0].id);
      assert.equal(first.body, 'one');
      assert.equal(first.title, posts[0].title);
      assert.deepEqual(first.ratings, [5]);
    });

    test('belongsTo, hasOne and nested paths in one selection set', async () => {
      const author = await newAuthor({ displayName: 'Grace Hopper' });
      const blog = await newBlog({ description: 'nested' });
      assertOk(await client.models.BlogSettings.create({ blogId: blog.id, theme: 'solarized' }), 'create BlogSettings');
      const post = await newPost(blog.id, { authorTenantId: author.tenantId, authorAuthorId: author.authorId });

      const viaPost = assertOk(
        await client.models.Post.get({ id: post.id }, { selectionSet: ['id', 'title', 'blog.name', 'blog.settings.theme', 'author.*'] }),
        'get Post with blog and author',
      );
      assert.equal(viaPost.blog.name, blog.name);
      assert.equal(viaPost.blog.settings.theme, 'solarized');
      assert.equal(viaPost.author.tenantId, author.tenantId);
      assert.equal(viaPost.author.authorId, author.authorId);
      assert.equal(viaPost.author.displayName, 'Grace Hopper');

      const viaBlog = assertOk(
        await client.models.Blog.get({ id: blog.id }, { selectionSet: ['id', 'settings.*', 'posts.id', 'posts.author.displayName'] }),
        'get Blog with settings and posts.author',
      );
      assert.equal(viaBlog.settings.theme, 'solarized');
      assert.deepEqual(viaBlog.posts.map((p) => [p.id, p.author?.displayName]), [[post.id, 'Grace Hopper']]);
    });

    test('composite references in selection sets: Author.posts / Author.profile / AuthorProfile.author', async () => {
      const author = await newAuthor();
      const blog = await newBlog();
      const post = await newPost(blog.id, { authorTenantId: author.tenantId, authorAuthorId: author.authorId });
      const profileId = unique('profile');
      assertOk(await client.models.AuthorProfile.create({ profileId, bio: 'bio', authorTenantId: author.tenantId, authorAuthorId: author.authorId }), 'create AuthorProfile');

      const loaded = assertOk(
        await client.models.Author.get({ tenantId: author.tenantId, authorId: author.authorId }, { selectionSet: ['tenantId', 'authorId', 'posts.*', 'profile.*'] }),
        'get Author with posts and profile',
      );
      assert.deepEqual(ids(loaded.posts), [post.id]);
      assert.equal(loaded.profile.profileId, profileId);

      const profile = assertOk(await client.models.AuthorProfile.get({ profileId }, { selectionSet: ['profileId', 'author.*'] }), 'get AuthorProfile with author');
      assert.equal(profile.author.authorId, author.authorId);
      assert.equal(profile.author.tenantId, author.tenantId);
    });

    test('a list with a selection set resolves the relationship of every item', async () => {
      const blog = await newBlog();
      const tag = unique('listsel');
      await newPost(blog.id, { body: tag });
      await newPost(blog.id, { body: tag });
      const result = await client.models.Post.list({ filter: { body: { eq: tag } }, selectionSet: ['id', 'blog.id', 'blog.name'] });
      assert.ok(!result.errors?.length, JSON.stringify(result.errors));
      assert.equal(result.data.length, 2);
      for (const post of result.data) assert.deepEqual(post.blog, { id: blog.id, name: blog.name });
    });
  });

  describe('secondary indexes', () => {
    test('listPostsByBlogAndDate: key condition on the sort key, ascending and DESC', async () => {
      const blog = await newBlog();
      const other = await newBlog();
      const dates = ['2024-01-10T08:00:00.000Z', '2024-02-10T08:00:00.000Z', '2024-03-10T08:00:00.000Z', '2024-04-10T08:00:00.000Z'];
      const posts = [];
      for (const publishedAt of [dates[2], dates[0], dates[3], dates[1]]) posts.push(await newPost(blog.id, { publishedAt }));
      await newPost(other.id, { publishedAt: dates[3] });
      const idAt = (date) => posts.find((post) => post.publishedAt === date).id;

      const desc = await client.models.Post.listPostsByBlogAndDate({ blogId: blog.id, publishedAt: { gt: '2024-02-01T00:00:00.000Z' } }, { sortDirection: 'DESC' });
      assert.ok(!desc.errors?.length, JSON.stringify(desc.errors));
      assert.deepEqual(desc.data.map((post) => post.id), [idAt(dates[3]), idAt(dates[2]), idAt(dates[1])]);

      const asc = await client.models.Post.listPostsByBlogAndDate({ blogId: blog.id });
      assert.deepEqual(asc.data.map((post) => post.publishedAt), dates, 'ascending by publishedAt by default');

      const between = await client.models.Post.listPostsByBlogAndDate({ blogId: blog.id, publishedAt: { between: [dates[1], dates[2]] } });
      assert.deepEqual(between.data.map((post) => post.publishedAt), [dates[1], dates[2]]);

      const le = await client.models.Post.listPostsByBlogAndDate({ blogId: blog.id, publishedAt: { le: dates[1] } }, { sortDirection: 'DESC' });
      assert.deepEqual(le.data.map((post) => post.publishedAt), [dates[1], dates[0]]);

      const prefix = await client.models.Post.listPostsByBlogAndDate({ blogId: blog.id, publishedAt: { beginsWith: '2024-03' } });
      assert.deepEqual(prefix.data.map((post) => post.id), [idAt(dates[2])]);
    });

    test('index queries page with limit/nextToken and accept a filter', async () => {
      const blog = await newBlog();
      const posts = [];
      for (let month = 1; month <= 5; month++) {
        posts.push(await newPost(blog.id, { publishedAt: `2023-0${month}-01T00:00:00.000Z`, views: month }));
      }
      const seen = [];
      let nextToken = null;
      let pages = 0;
      do {
        const page = await client.models.Post.listPostsByBlogAndDate({ blogId: blog.id }, { limit: 2, nextToken });
        assert.ok(!page.errors?.length, JSON.stringify(page.errors));
        assert.ok(page.data.length <= 2);
        seen.push(...page.data.map((post) => post.publishedAt));
        nextToken = page.nextToken ?? null;
        assert.ok(++pages < 50, 'pagination ends');
      } while (nextToken);
      assert.deepEqual(seen, posts.map((post) => post.publishedAt), 'all posts, in index order, once');

      const filtered = await client.models.Post.listPostsByBlogAndDate({ blogId: blog.id }, { filter: { views: { ge: 4 } } });
      assert.deepEqual(filtered.data.map((post) => post.views), [4, 5]);
    });

    test('listPostByStatusAndTitle: enum partition key, sort-key beginsWith', async () => {
      const blog = await newBlog();
      const stem = `T${run}`;
      const titles = [`${stem}-b`, `${stem}-a`, `${stem}-c`];
      for (const title of titles) await newPost(blog.id, { title, status: 'PUBLISHED' });
      await newPost(blog.id, { title: `${stem}-d`, status: 'ARCHIVED' });

      const published = await client.models.Post.listPostByStatusAndTitle({ status: 'PUBLISHED', title: { beginsWith: stem } });
      assert.ok(!published.errors?.length, JSON.stringify(published.errors));
      assert.deepEqual(published.data.map((post) => post.title), [...titles].sort());
      assert.ok(published.data.every((post) => post.status === 'PUBLISHED'));

      const desc = await client.models.Post.listPostByStatusAndTitle({ status: 'PUBLISHED', title: { beginsWith: stem } }, { sortDirection: 'DESC' });
      assert.deepEqual(desc.data.map((post) => post.title), [...titles].sort().reverse());

      const archived = await client.models.Post.listPostByStatusAndTitle({ status: 'ARCHIVED', title: { eq: `${stem}-d` } });
      assert.deepEqual(archived.data.map((post) => post.title), [`${stem}-d`]);
    });

    test('listPostBySlug: an index with no sort key', async () => {
      const blog = await newBlog();
      const slug = unique('the-slug');
      const post = await newPost(blog.id, { slug });
      await newPost(blog.id);
      const result = await client.models.Post.listPostBySlug({ slug });
      assert.ok(!result.errors?.length, JSON.stringify(result.errors));
      assert.deepEqual(result.data.map((p) => p.id), [post.id]);
      const none = await client.models.Post.listPostBySlug({ slug: unique('no-such-slug') });
      assert.deepEqual(none.data, []);
    });

    test('an index query reflects updates of the indexed fields', async () => {
      const blog = await newBlog();
      const slug = unique('moving');
      const post = await newPost(blog.id, { slug });
      const moved = unique('moved');
      assertOk(await client.models.Post.update({ id: post.id, slug: moved }), 'update slug');
      assert.deepEqual((await client.models.Post.listPostBySlug({ slug })).data, []);
      assert.deepEqual((await client.models.Post.listPostBySlug({ slug: moved })).data.map((p) => p.id), [post.id]);
      assertOk(await client.models.Post.delete({ id: post.id }), 'delete');
      assert.deepEqual((await client.models.Post.listPostBySlug({ slug: moved })).data, []);
    });
  });

  describe('custom identifiers', () => {
    test('Author (tenantId + authorId): get, update, delete by the composite key', async () => {
      const author = await newAuthor({ email: 'ada@example.com' });
      assert.equal(author.id, undefined, 'no id field on a model with a custom identifier');
      const fetched = assertOk(await client.models.Author.get({ tenantId: author.tenantId, authorId: author.authorId }), 'get Author');
      assert.equal(fetched.displayName, 'Ada Lovelace');
      assert.equal(fetched.email, 'ada@example.com');

      const missing = await client.models.Author.get({ tenantId: author.tenantId, authorId: `${author.authorId}-nope` });
      assert.ok(!missing.errors?.length, JSON.stringify(missing.errors));
      assert.equal(missing.data, null, 'same partition key, other sort key: nothing');

      const updated = assertOk(await client.models.Author.update({ tenantId: author.tenantId, authorId: author.authorId, displayName: 'Countess of Lovelace' }), 'update Author');
      assert.equal(updated.displayName, 'Countess of Lovelace');
      assert.equal(updated.email, 'ada@example.com', 'fields not in the update are kept');

      const deleted = assertOk(await client.models.Author.delete({ tenantId: author.tenantId, authorId: author.authorId }), 'delete Author');
      assert.equal(deleted.authorId, author.authorId);
      assert.equal((await client.models.Author.get({ tenantId: author.tenantId, authorId: author.authorId })).data, null);
    });

    test('a second create with the same composite key fails with ConditionalCheckFailedException', async () => {
      const author = await newAuthor({ displayName: 'first' });
      const again = await client.models.Author.create({ tenantId: author.tenantId, authorId: author.authorId, displayName: 'second' });
      assertRejected(again, { errorType: CONDITIONAL_CHECK_FAILED, what: 'create of an existing key' });
      assert.equal(assertOk(await client.models.Author.get({ tenantId: author.tenantId, authorId: author.authorId }), 'get').displayName, 'first');
    });

    test('list by partition key with a sort-key condition and sortDirection', async () => {
      const tenantId = unique('tenant');
      for (const authorId of ['b', 'a', 'c', 'x-1']) {
        assertOk(await client.models.Author.create({ tenantId, authorId, displayName: authorId }), 'create Author');
      }
      assertOk(await client.models.Author.create({ tenantId: unique('tenant'), authorId: 'a', displayName: 'other tenant' }), 'create Author');

      const all = await client.models.Author.list({ tenantId });
      assert.ok(!all.errors?.length, JSON.stringify(all.errors));
      assert.deepEqual(all.data.map((a) => a.authorId), ['a', 'b', 'c', 'x-1'], 'one partition, sorted by the sort key');
      const desc = await client.models.Author.list({ tenantId, sortDirection: 'DESC' });
      assert.deepEqual(desc.data.map((a) => a.authorId), ['x-1', 'c', 'b', 'a']);
      const between = await client.models.Author.list({ tenantId, authorId: { between: ['b', 'c'] } });
      assert.deepEqual(between.data.map((a) => a.authorId), ['b', 'c']);
      const prefix = await client.models.Author.list({ tenantId, authorId: { beginsWith: 'x-' } });
      assert.deepEqual(prefix.data.map((a) => a.authorId), ['x-1']);
    });

    test('AuthorProfile (profileId): get, update and delete by the custom key', async () => {
      const profileId = unique('profile');
      assertOk(await client.models.AuthorProfile.create({ profileId, bio: 'v1' }), 'create AuthorProfile');
      assert.equal(assertOk(await client.models.AuthorProfile.get({ profileId }), 'get').bio, 'v1');
      assert.equal(assertOk(await client.models.AuthorProfile.update({ profileId, bio: 'v2' }), 'update').bio, 'v2');
      assertOk(await client.models.AuthorProfile.delete({ profileId }), 'delete');
      assert.equal((await client.models.AuthorProfile.get({ profileId })).data, null);
    });
  });

  describe('enums, custom types, arrays, defaults, required fields', () => {
    test('custom types (named and inline) and arrays round-trip', async () => {
      const blog = await newBlog();
      const location = { lat: 48.8566, long: 2.3522, label: 'Paris' };
      const history = [
        { lat: 51.5074, long: -0.1278, label: 'London' },
        { lat: 40.7128, long: -74.006, label: null },
      ];
      const post = await newPost(blog.id, { tags: ['rust', 'amplify', 'rust'], ratings: [5, 3, 4], location, history, score: 4.25 });
      const fetched = assertOk(await client.models.Post.get({ id: post.id }), 'get Post');
      assert.deepEqual(fetched.tags, ['rust', 'amplify', 'rust'], 'arrays keep order and duplicates');
      assert.deepEqual(fetched.ratings, [5, 3, 4]);
      assert.deepEqual(fetched.location, location);
      assert.deepEqual(fetched.history, history);
      assert.equal(fetched.score, 4.25);

      const comment = assertOk(await client.models.Comment.create({ postId: post.id, content: 'c', priority: 'HIGH', meta: { edited: true, editCount: 2 } }), 'create Comment');
      const loaded = assertOk(await client.models.Comment.get({ id: comment.id }), 'get Comment');
      assert.equal(loaded.priority, 'HIGH');
      assert.deepEqual(loaded.meta, { edited: true, editCount: 2 });

      const emptied = assertOk(await client.models.Post.update({ id: post.id, tags: [], history: null }), 'update Post');
      assert.deepEqual(emptied.tags, []);
      assert.equal(emptied.history, null);
    });

    test('AWSJSON round-trips as a JSON string', async () => {
      const blog = await newBlog();
      const metadata = { nested: { list: [1, 'two', null, true] }, n: 1.5 };
      const post = await newPost(blog.id, { metadata: JSON.stringify(metadata) });
      const fetched = assertOk(await client.models.Post.get({ id: post.id }), 'get Post');
      assert.equal(typeof fetched.metadata, 'string', 'AWSJSON comes back serialized');
      assert.deepEqual(JSON.parse(fetched.metadata), metadata);
    });

    test('enum values are accepted, filtered on, and an invalid one is rejected', async () => {
      const blog = await newBlog();
      const archived = await newPost(blog.id, { status: 'ARCHIVED' });
      const list = await client.models.Post.list({ filter: { blogId: { eq: blog.id }, status: { eq: 'ARCHIVED' } } });
      assert.deepEqual(list.data.map((post) => post.id), [archived.id]);

      const slug = unique('bad-enum');
      assertRejected(await client.models.Post.create({ blogId: blog.id, title: 't', slug, status: 'PUBLISHED_MAYBE', ratings: [1] }), { what: 'an invalid PostStatus' });
      assertRejected(await client.models.Comment.create({ content: 'c', priority: 'URGENT' }), { what: 'an invalid inline enum value' });
      assertRejected(await client.models.Post.update({ id: archived.id, status: 'published' }), { what: 'enum values are case-sensitive' });
      assert.deepEqual((await client.models.Post.listPostBySlug({ slug })).data, [], 'nothing written');
      assert.equal(assertOk(await client.models.Post.get({ id: archived.id }), 'get').status, 'ARCHIVED');
    });

    test('.default() values are applied on create, and explicit values win', async () => {
      const blog = await newBlog();
      const settings = assertOk(await client.models.BlogSettings.create({ blogId: blog.id }), 'create BlogSettings');
      assert.equal(settings.theme, 'light');
      assert.equal(settings.isPrivate, false);
      assert.equal(settings.maxPosts, 100);
      const stored = assertOk(await client.models.BlogSettings.get({ id: settings.id }), 'get BlogSettings');
      assert.deepEqual([stored.theme, stored.isPrivate, stored.maxPosts], ['light', false, 100], 'defaults are stored');

      const explicit = assertOk(await client.models.BlogSettings.create({ blogId: blog.id, theme: 'dark', isPrivate: true, maxPosts: 5 }), 'create BlogSettings');
      assert.deepEqual([explicit.theme, explicit.isPrivate, explicit.maxPosts], ['dark', true, 5]);

      const post = await newPost(blog.id);
      assert.equal(post.views, 0, 'Post.views defaults to 0');
      const viewed = await newPost(blog.id, { views: 7 });
      assert.equal(viewed.views, 7);
    });

    test('required fields are enforced on create', async () => {
      const blog = await newBlog();
      const base = { blogId: blog.id, title: 't', slug: unique('req'), status: 'DRAFT', ratings: [1] };
      for (const missing of ['title', 'slug', 'status', 'ratings', 'blogId']) {
        const input = { ...base, slug: unique('req') };
        delete input[missing];
        assertRejected(await client.models.Post.create(input), { what: `Post without ${missing}` });
        if (missing !== 'slug') assert.deepEqual((await client.models.Post.listPostBySlug({ slug: input.slug })).data, [], `no Post written without ${missing}`);
      }
      assertRejected(await client.models.Post.create({ ...base, slug: unique('req'), ratings: [1, null] }), { what: 'a null item in [Int!]!' });
      assertRejected(await client.models.Post.create({ ...base, slug: unique('req'), location: { long: 1 } }), { what: 'Location without its required lat' });
      assertRejected(await client.models.Blog.create({ description: 'no name' }), { what: 'Blog without name' });
      assertRejected(await client.models.Comment.create({ postId: 'x' }), { what: 'Comment without content' });
      assertRejected(await client.models.Author.create({ tenantId: `tenant-${run}`, authorId: unique('noname') }), { what: 'Author without displayName' });
    });
  });

  describe('AppSync scalar formats', () => {
    test('valid values of every scalar round-trip', async () => {
      const values = {
        email: 'ada.lovelace+test@example.com',
        website: 'https://example.com/ada?x=1',
        phone: '+12065550100',
        lastIp: '192.168.10.1',
        birthday: '1815-12-10',
        wakeUpTime: '06:30:00',
        lastSeen: 1700000000,
      };
      const author = await newAuthor(values);
      const fetched = assertOk(await client.models.Author.get({ tenantId: author.tenantId, authorId: author.authorId }), 'get Author');
      for (const [field, value] of Object.entries(values)) assert.equal(fetched[field], value, field);

      const ipv6 = await newAuthor({ lastIp: '2001:db8::1', website: 'mailto:ada@example.com' });
      assert.equal(ipv6.lastIp, '2001:db8::1');
      assert.equal(ipv6.website, 'mailto:ada@example.com');

      const blog = await newBlog();
      const post = await newPost(blog.id, { publishedAt: '2024-05-01T10:00:00.000Z' });
      assert.equal(assertOk(await client.models.Post.get({ id: post.id }), 'get Post').publishedAt, '2024-05-01T10:00:00.000Z');
    });

    const invalidAuthorValues = [
      ['AWSEmail', 'email', 'not-an-email'],
      ['AWSURL', 'website', 'not a url'],
      ['AWSPhone', 'phone', 'call me maybe'],
      ['AWSIPAddress', 'lastIp', 'not-an-ip'],
      ['AWSDate', 'birthday', '10/12/1815'],
      ['AWSDate', 'birthday', '2024-13-01'],
      ['AWSTime', 'wakeUpTime', '25:61:00'],
      ['AWSTimestamp', 'lastSeen', 'yesterday'],
    ];
    for (const [scalar, field, value] of invalidAuthorValues) {
      test(`${scalar}: ${JSON.stringify(value)} is rejected with a GraphQL error, nothing written`, async () => {
        const key = { tenantId: `tenant-${run}`, authorId: unique('bad') };
        assertRejected(await client.models.Author.create({ ...key, displayName: 'x', [field]: value }), { what: `create with ${field}=${value}` });
        assert.equal((await client.models.Author.get(key)).data, null, 'no partial write');

        const author = await newAuthor();
        const update = await client.models.Author.update({ tenantId: author.tenantId, authorId: author.authorId, [field]: value });
        assertRejected(update, { what: `update with ${field}=${value}` });
      });
    }

    for (const [scalar, field, value] of [
      ['AWSDateTime', 'publishedAt', 'yesterday'],
      ['AWSDateTime', 'publishedAt', '2024-05-01 10:00'],
      ['AWSJSON', 'metadata', '{not json'],
    ]) {
      test(`${scalar}: ${JSON.stringify(value)} is rejected with a GraphQL error, nothing written`, async () => {
        const blog = await newBlog();
        const slug = unique('bad-scalar');
        assertRejected(await client.models.Post.create({ blogId: blog.id, title: 't', slug, status: 'DRAFT', ratings: [1], [field]: value }), { what: `create with ${field}=${value}` });
        assert.deepEqual((await client.models.Post.listPostBySlug({ slug })).data, [], 'no partial write');
      });
    }
  });
});
