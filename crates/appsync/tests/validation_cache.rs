//! The validation cache answers exactly as a full validation: every request here runs twice,
//! on `POST /graphql` (documents and validations cached, warmed with valid variables first)
//! and through `ExecutableApi::execute` on a second, identical backend (nothing cached), and the
//! bodies must be equal (generated ids and timestamps aside).

mod common;

use std::sync::Arc;

use ampbase_appsync::{AppSyncState, GraphqlRequest};
use ampbase_store::Store;
use common::*;
use serde_json::{Value, json};

/// Replaces generated values (ids, timestamps) so that two backends' answers compare.
fn mask(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if ["id", "createdAt", "updatedAt", "nextToken"].contains(&k.as_str()) && v.is_string() {
                    *v = json!("<generated>");
                } else {
                    mask(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

struct Pair {
    cached: Arc<AppSyncState>,
    reference: Arc<AppSyncState>,
}

impl Pair {
    async fn new(fixture: &str) -> Pair {
        let (compiled, auth) = compile_fixture(fixture);
        let cached = AppSyncState::new(Some(api_for(&compiled, &auth, Store::open_in_memory().unwrap()).await));
        let reference = AppSyncState::new(Some(api_for(&compiled, &auth, Store::open_in_memory().unwrap()).await));
        Pair { cached, reference }
    }

    async fn compare(&self, query: &str, variables: Value, operation_name: Option<&str>) -> Value {
        let mut body = json!({ "query": query, "variables": variables });
        if let Some(op) = operation_name {
            body["operationName"] = json!(op);
        }
        let got = post_raw(&self.cached, body.to_string(), &[("x-api-key", KEY)]).await;
        let request = GraphqlRequest {
            query: query.to_string(),
            variables: Some(serde_json::from_value(variables.clone()).unwrap()),
            operation_name: operation_name.map(str::to_string),
        };
        let api = self.reference.current().unwrap();
        let resp = api.execute(request, ampbase_core::Caller::ApiKey).await;
        let mut want: Value = serde_json::from_slice(&ampbase_appsync::errors::response_body(&resp)).unwrap();
        let mut got_body = got.body.clone();
        mask(&mut want);
        mask(&mut got_body);
        assert_eq!(got_body, want, "{query} with {variables} ({operation_name:?})");
        got.body
    }
}

#[tokio::test]
async fn cached_validation_answers_as_full_validation() {
    let p = Pair::new("02-blog-relations-indexes").await;

    let create_blog = "mutation ($input: CreateBlogInput!) { createBlog(input: $input) { id name description } }";
    let create_post = "mutation Create($input: CreatePostInput!, $condition: ModelPostConditionInput) { createPost(input: $input, condition: $condition) { id title status tags ratings publishedAt location { lat long } metadata } }";
    let get_post = "query ($id: ID!, $withBody: Boolean!) { getPost(id: $id) { id title body @include(if: $withBody) status } }";
    let list_posts = "query ($filter: ModelPostFilterInput, $limit: Int, $nextToken: String, $dir: ModelSortDirection) { listPosts(filter: $filter, limit: $limit, nextToken: $nextToken, sortDirection: $dir) { items { id title status } nextToken } }";
    let by_status = "query ($status: PostStatus!, $title: ModelStringKeyConditionInput, $limit: Int) { listPostByStatusAndTitle(status: $status, title: $title, limit: $limit) { items { title status } } }";
    let fragments = "fragment P on Post { id title comments(limit: $n) { items { content } } } query Q($id: ID!, $n: Int) { getPost(id: $id) { ...P } } query R($limit: Int) { listPosts(limit: $limit) { items { ...P } } }";
    let two_ops = "query A($id: ID!) { getPost(id: $id) { id } } query B($limit: Int) { listPosts(limit: $limit) { items { id } } }";
    let literal_and_variable = "query ($t: String) { listPosts(filter: { title: { eq: $t }, status: { eq: PUBLISHED } }, limit: 5) { items { title } } }";
    let list_in_list = "query ($r: Int) { listPosts(filter: { ratings: { contains: $r } }) { items { title } } }";

    let blog = p.compare(create_blog, json!({ "input": { "id": "b1", "name": "Blog" } }), None).await;
    assert!(blog.get("errors").is_none(), "{blog}");
    let post_input = json!({ "id": "p1", "blogId": "b1", "title": "Hello", "slug": "hello", "status": "PUBLISHED", "ratings": [5, 4],
        "tags": ["a"], "publishedAt": "2024-01-01T00:00:00.000Z", "location": { "lat": 1.5, "long": 2.5 }, "metadata": "{\"k\":1}" });
    let post = p.compare(create_post, json!({ "input": post_input }), Some("Create")).await;
    assert!(post.get("errors").is_none(), "{post}");

    // Warm every document with valid variables, then vary them.
    let cases: Vec<(&str, Value, Option<&str>)> = vec![
        (get_post, json!({ "id": "p1", "withBody": true }), None),
        (get_post, json!({ "id": "p1", "withBody": false }), None),
        (get_post, json!({ "id": "p1" }), None),
        (get_post, json!({ "id": null, "withBody": true }), None),
        (get_post, json!({ "id": 7, "withBody": true }), None),
        (get_post, json!({ "id": ["p1"], "withBody": true }), None),
        (get_post, json!({ "id": "p1", "withBody": "yes" }), None),
        (get_post, json!({ "id": { "a": 1 }, "withBody": 3 }), None),
        (get_post, json!({}), None),
        (list_posts, json!({ "limit": 2 }), None),
        (list_posts, json!({ "limit": "two" }), None),
        (list_posts, json!({ "limit": 2.5 }), None),
        (list_posts, json!({ "limit": -1 }), None),
        (list_posts, json!({ "limit": 99999999999i64 }), None),
        (list_posts, json!({ "dir": "DESC" }), None),
        (list_posts, json!({ "dir": "SIDEWAYS" }), None),
        (list_posts, json!({ "dir": 1 }), None),
        (list_posts, json!({ "nextToken": 5 }), None),
        (list_posts, json!({ "nextToken": "garbage" }), None),
        (list_posts, json!({ "filter": { "title": { "eq": "Hello" } } }), None),
        (list_posts, json!({ "filter": { "title": { "eq": 5 } } }), None),
        (list_posts, json!({ "filter": { "nope": { "eq": "x" } } }), None),
        (list_posts, json!({ "filter": { "status": { "eq": "GONE" } } }), None),
        (list_posts, json!({ "filter": { "or": [{ "title": { "eq": "a" } }, { "views": { "gt": "x" } }] } }), None),
        (list_posts, json!({ "filter": { "publishedAt": { "gt": "yesterday" } } }), None),
        (list_posts, json!({ "filter": "title" }), None),
        (by_status, json!({ "status": "PUBLISHED" }), None),
        (by_status, json!({ "status": "PUBLISHED", "title": { "beginsWith": "He" } }), None),
        (by_status, json!({ "status": "published" }), None),
        (by_status, json!({ "status": null }), None),
        (by_status, json!({ "status": "DRAFT", "title": { "between": ["a"] } }), None),
        (by_status, json!({ "status": "DRAFT", "title": { "between": "a" } }), None),
        (fragments, json!({ "id": "p1", "n": 1 }), Some("Q")),
        (fragments, json!({ "id": "p1", "n": "one" }), Some("Q")),
        (fragments, json!({ "limit": 1, "n": 2 }), Some("R")),
        (fragments, json!({ "limit": "x", "n": "y" }), Some("R")),
        (fragments, json!({ "limit": "x", "id": 5 }), Some("Q")),
        (fragments, json!({ "id": "p1" }), None),
        (fragments, json!({ "id": "p1" }), Some("Nope")),
        (two_ops, json!({ "id": "p1" }), Some("A")),
        (two_ops, json!({ "id": 1, "limit": "x" }), Some("A")),
        (two_ops, json!({ "id": 1, "limit": "x" }), Some("B")),
        (two_ops, json!({ "id": 1, "limit": "x" }), None),
        (two_ops, json!({ "limit": 1 }), Some("B")),
        (literal_and_variable, json!({ "t": "Hello" }), None),
        (literal_and_variable, json!({ "t": 1 }), None),
        (literal_and_variable, json!({}), None),
        (list_in_list, json!({ "r": 5 }), None),
        (list_in_list, json!({ "r": "five" }), None),
        (create_post, json!({ "input": { "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": [] } }), Some("Create")),
        (create_post, json!({ "input": { "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT" } }), Some("Create")),
        (create_post, json!({ "input": { "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": [1, null] } }), Some("Create")),
        (create_post, json!({ "input": { "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": ["x"] } }), Some("Create")),
        (create_post, json!({ "input": { "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": [1], "unknown": 1 } }), Some("Create")),
        (create_post, json!({ "input": { "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": [1], "publishedAt": "2024-13-01" } }), Some("Create")),
        (create_post, json!({ "input": { "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": [1], "metadata": "{nope" } }), Some("Create")),
        (create_post, json!({ "input": { "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": [1], "location": { "lat": "north" } } }), Some("Create")),
        (create_post, json!({ "input": { "id": "p1", "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": [1] } }), Some("Create")),
        (create_post, json!({ "input": { "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": [1] }, "condition": { "title": { "eq": 1 } } }), Some("Create")),
        (create_post, json!({ "input": { "blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": [1] } }), Some("Other")),
        (create_post, json!({ "input": null }), Some("Create")),
        (create_post, json!({}), Some("Create")),
    ];
    // Twice: the first round learns the documents (whatever the first variables were), the
    // second answers from the cache.
    for round in 0..2 {
        for (query, variables, op) in &cases {
            eprintln!("round {round}: {query} {variables}");
            p.compare(query, variables.clone(), *op).await;
        }
    }
}

#[tokio::test]
async fn cached_validation_follows_the_served_schema() {
    // A document valid for one schema and not for the next: a swap must not reuse the
    // validation.
    let (compiled, auth) = compile_fixture("01-todo-public-api-key");
    let st = AppSyncState::new(Some(api_for(&compiled, &auth, Store::open_in_memory().unwrap()).await));
    let q = "query ($id: ID!) { getTodo(id: $id) { id content } }";
    for _ in 0..2 {
        let a = gql(&st, q, json!({ "id": "x" })).await;
        assert!(a.body.get("errors").is_none(), "{}", a.text);
    }
    let other = compile_sdl(
        "type Note @model @auth(rules: [{allow: public, provider: apiKey}]) { text: String }",
        ampbase_data_compiler::AuthorizationConfig::api_key_default(),
    );
    st.swap(Some(api_for(&other, &auth, Store::open_in_memory().unwrap()).await));
    for _ in 0..2 {
        let a = gql(&st, q, json!({ "id": "x" })).await;
        assert_eq!(a.body["data"], Value::Null, "{}", a.text);
        assert!(a.body["errors"][0]["message"].as_str().unwrap().contains("FieldUndefined"), "{}", a.text);
    }
    st.swap(Some(api_for(&compiled, &auth, Store::open_in_memory().unwrap()).await));
    for _ in 0..2 {
        let a = gql(&st, q, json!({ "id": "x" })).await;
        assert!(a.body.get("errors").is_none(), "{}", a.text);
    }
}
