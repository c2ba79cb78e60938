//! `POST /graphql` with the real DataService on SQLite, driven by the documents the real
//! client sends (conformance `client-operations.json`).

mod common;

use std::sync::Arc;
use std::time::Instant;

use ampbase_appsync::{AppSyncState, AuthRejection, AuthRequest, Authenticator, ExecutableApi, Limits};
use ampbase_core::{Caller, UserIdentity};
use ampbase_store::Store;
use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn every_fixture_builds_and_fifty_models_quickly() {
    let mut dirs: Vec<_> = std::fs::read_dir(fixture_dir("")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    dirs.sort();
    for name in dirs {
        if !fixture_dir(&name).join("inputs.json").exists() {
            continue;
        }
        let (compiled, auth) = compile_fixture(&name);
        let service = ampbase_data::DataService::new(compiled.model.clone(), auth.clone(), Store::open_in_memory().unwrap(), ampbase_data::FunctionGrants::none())
            .await
            .unwrap();
        let service = Arc::new(service);
        let start = Instant::now();
        let api = ExecutableApi::build(&compiled, &auth, service.clone(), None, Limits::default());
        let took = start.elapsed();
        let api = api.unwrap_or_else(|e| panic!("{name}: {e}"));
        // Introspection works and lists the SDL's types.
        let resp = api.execute(ampbase_appsync::GraphqlRequest { query: "{ __schema { types { name } } }".into(), ..Default::default() }, Caller::ApiKey).await;
        assert!(resp.errors.is_empty(), "{name}: {:?}", resp.errors);
        if name == "28-fifty-models" {
            eprintln!("28-fifty-models: executable schema built in {took:?}");
            let budget = if cfg!(debug_assertions) { 1000 } else { 100 };
            assert!(took.as_millis() <= budget, "50 models took {took:?}");
        }
    }
}

#[tokio::test]
async fn todo_crud_list_filter_pagination() {
    let st = state("01-todo-public-api-key").await;
    let ops = operations("01-todo-public-api-key");

    let (create, _) = op(&ops, "models.Todo.create");
    let created = ok(&st, &create, json!({ "input": { "content": "first" } })).await;
    let id = created["createTodo"]["id"].as_str().unwrap().to_string();
    assert_eq!(created["createTodo"]["content"], "first");
    assert!(created["createTodo"]["createdAt"].as_str().unwrap().ends_with('Z'));

    let (get, _) = op(&ops, "models.Todo.get");
    let got = ok(&st, &get, json!({ "id": id })).await;
    assert_eq!(got["getTodo"]["content"], "first");
    assert_eq!(ok(&st, &get, json!({ "id": "missing" })).await["getTodo"], Value::Null);

    let (update, _) = op(&ops, "models.Todo.update");
    let updated = ok(&st, &update, json!({ "input": { "id": id, "content": "changed" } })).await;
    assert_eq!(updated["updateTodo"]["content"], "changed");

    for i in 0..5 {
        ok(&st, &create, json!({ "input": { "content": format!("item {i}") } })).await;
    }
    let (list, _) = op(&ops, "models.Todo.list");
    let all = ok(&st, &list, json!({})).await;
    assert_eq!(all["listTodos"]["items"].as_array().unwrap().len(), 6);
    assert_eq!(all["listTodos"]["__typename"], "ModelTodoConnection");

    // Filter.
    let filtered = ok(&st, &list, json!({ "filter": { "content": { "beginsWith": "item" } } })).await;
    assert_eq!(filtered["listTodos"]["items"].as_array().unwrap().len(), 5);

    // Pagination across pages.
    let mut seen = 0;
    let mut token = Value::Null;
    for _ in 0..10 {
        let page = ok(&st, &list, json!({ "limit": 2, "nextToken": token })).await;
        seen += page["listTodos"]["items"].as_array().unwrap().len();
        token = page["listTodos"]["nextToken"].clone();
        if token.is_null() {
            break;
        }
    }
    assert_eq!(seen, 6);

    let (delete, _) = op(&ops, "models.Todo.delete");
    let deleted = ok(&st, &delete, json!({ "input": { "id": id } })).await;
    assert_eq!(deleted["deleteTodo"]["id"], id.as_str());
    assert_eq!(ok(&st, &get, json!({ "id": id })).await["getTodo"], Value::Null);

    // Documents with the same text are served from the cache, with other variables.
    let again = ok(&st, &get, json!({ "id": "missing-too" })).await;
    assert_eq!(again["getTodo"], Value::Null);
}

#[tokio::test]
async fn resolver_errors_in_appsync_shape() {
    let st = state("01-todo-public-api-key").await;
    let create = "mutation($input: CreateTodoInput!) { createTodo(input: $input) { id } }";
    ok(&st, create, json!({ "input": { "id": "dup" } })).await;
    let a = gql(&st, create, json!({ "input": { "id": "dup" } })).await;
    assert_eq!(a.status, StatusCode::OK);
    let e = &a.body["errors"][0];
    assert_eq!(e["errorType"], "DynamoDB:ConditionalCheckFailedException", "{}", a.text);
    assert_eq!(e["path"], json!(["createTodo"]));
    assert_eq!(e["data"], Value::Null);
    assert_eq!(e["errorInfo"], Value::Null);
    assert_eq!(e["locations"][0]["sourceName"], Value::Null);
    assert!(e["locations"][0]["line"].is_number());
    assert_eq!(a.body["data"], json!({ "createTodo": null }));

    // A condition that fails.
    let update = "mutation($input: UpdateTodoInput!, $condition: ModelTodoConditionInput) { updateTodo(input: $input, condition: $condition) { id } }";
    let a = gql(&st, update, json!({ "input": { "id": "dup", "content": "x" }, "condition": { "content": { "eq": "nope" } } })).await;
    assert_eq!(a.body["errors"][0]["errorType"], "DynamoDB:ConditionalCheckFailedException", "{}", a.text);

    // An invalid nextToken.
    for token in ["garbage", "eyJub3QiOiJ5b3VycyJ9"] {
        let a = gql(&st, "query($t: String) { listTodos(nextToken: $t) { items { id } nextToken } }", json!({ "t": token })).await;
        let t = a.body["errors"][0]["errorType"].as_str().unwrap_or("");
        assert!(!t.is_empty(), "{}", a.text);
        assert_eq!(a.body["data"]["listTodos"], Value::Null);
    }
}

#[tokio::test]
async fn bad_requests() {
    let st = state("01-todo-public-api-key").await;
    let k = [("x-api-key", KEY)];
    for body in ["", "{\"query\": \"query { listTodos { items { id } } }\"", "meow", "{}", "[]", "{\"query\": 42}"] {
        let a = post_raw(&st, body.to_string(), &k).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}: {}", a.text);
        assert_eq!(a.body["errors"][0]["errorType"], "MalformedHttpRequestException");
    }

    // Parse and validation errors: 200, data null, locations, no path.
    for (query, vars) in [
        ("query { listTodos { items { id }", json!({})),
        ("query { listTodos { items { id notAField } } }", json!({})),
        ("query { listTodoz { items { id } } }", json!({})),
        ("query ($limit: Int) { listTodos(limit: $limit) { items { id } } }", json!({ "limit": "ten" })),
        ("mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id } }", json!({ "input": { "content": { "nested": true } } })),
        ("query ($id: ID!) { getTodo(id: $id) { id } }", json!({})),
    ] {
        let a = gql(&st, query, vars).await;
        assert_eq!(a.status, StatusCode::OK, "{query}: {}", a.text);
        assert_eq!(a.body["data"], Value::Null, "{query}: {}", a.text);
        let errors = a.body["errors"].as_array().unwrap_or_else(|| panic!("{query}: {}", a.text));
        assert!(!errors.is_empty());
        assert!(errors.iter().all(|e| e["path"].is_null() && e["message"].is_string()), "{}", a.text);
    }
    let a = gql(&st, "query { listTodos { items { id notAField } } }", json!({})).await;
    assert!(a.body["errors"][0]["locations"][0]["line"].is_number(), "{}", a.text);
    assert!(a.body["errors"][0]["message"].as_str().unwrap().starts_with("Validation error of type FieldUndefined"), "{}", a.text);

    eprintln!("partial");
    // One invalid mutation in a document: nothing runs.
    let a = gql(&st, r#"mutation { a: createTodo(input: { id: "partial-a", content: "x" }) { id } b: createTodo(input: { id: "partial-b", notAField: 1 }) { id } }"#, json!({})).await;
    assert_eq!(a.body["data"], Value::Null);
    let got = ok(&st, "query { getTodo(id: \"partial-a\") { id } }", json!({})).await;
    assert_eq!(got["getTodo"], Value::Null);

    // Limits.
    eprintln!("limits: body");
    let huge = "x".repeat(3 * 1024 * 1024);
    let a = gql(&st, "mutation ($input: CreateTodoInput!) { createTodo(input: $input) { id } }", json!({ "input": { "content": huge } })).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(a.body["errors"][0]["errorType"].is_string());

    eprintln!("limits: depth");
    let depth = 5000;
    let q = format!("query {{ listTodos {}{{ id }}{} }}", "{ items ".repeat(depth), " }".repeat(depth));
    let a = gql(&st, &q, json!({})).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body["errors"][0]["message"].is_string(), "{}", &a.text[..300.min(a.text.len())]);

    let q = format!("query {{ listTodos(filter: {{ content: {{ between: {}\"a\"{} }} }}) {{ items {{ id }} }} }}", "[".repeat(10_000), "]".repeat(10_000));
    let a = gql(&st, &q, json!({})).await;
    assert!(a.body["errors"][0]["message"].is_string());

    eprintln!("limits: variables");
    // Built as text: serializing a 1000-deep value would take the test's own stack.
    let filter = format!("{}{{\"content\":{{\"eq\":\"deep\"}}}}{}", "{\"and\":[".repeat(1000), "]}".repeat(1000));
    let body = format!("{{\"query\":\"query ($filter: ModelTodoFilterInput) {{ listTodos(filter: $filter) {{ items {{ id }} }} }}\",\"variables\":{{\"filter\":{filter}}}}}");
    let a = post_raw(&st, body, &k).await;
    assert!([200, 400].contains(&a.status.as_u16()));
    assert!(a.body["errors"][0]["message"].is_string(), "{}", &a.text[..300.min(a.text.len())]);

    eprintln!("limits: aliases");
    let fields: Vec<String> = (0..20_000).map(|i| format!("a{i}: __typename")).collect();
    let a = gql(&st, &format!("query {{ {} }}", fields.join(" ")), json!({})).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.is_object());
    // Aliases of resolvers count against the complexity limit.
    let fields: Vec<String> = (0..20_000).map(|i| format!("a{i}: listTodos {{ nextToken }}")).collect();
    let a = gql(&st, &format!("query {{ {} }}", fields.join(" ")), json!({})).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body["errors"][0]["message"].is_string(), "{}", &a.text[..300.min(a.text.len())]);

    // Still answers.
    ok(&st, "query { listTodos(limit: 1) { items { id } nextToken } }", json!({})).await;
}

#[tokio::test]
async fn aws_scalar_validation() {
    let sdl = r#"
type Thing @model @auth(rules: [{allow: public}]) {
  email: AWSEmail
  at: AWSDateTime
  day: AWSDate
  url: AWSURL
  ip: AWSIPAddress
  phone: AWSPhone
  meta: AWSJSON
  ts: AWSTimestamp
}"#;
    let compiled = compile_sdl(sdl, ampbase_data_compiler::AuthorizationConfig::api_key_default());
    let auth = ampbase_data_compiler::AuthorizationConfig::api_key_default();
    let st = AppSyncState::new(Some(api_for(&compiled, &auth, Store::open_in_memory().unwrap()).await));
    let create = "mutation($input: CreateThingInput!) { createThing(input: $input) { id email at day url ip phone meta ts } }";
    let good = json!({ "email": "a@example.com", "at": "2024-01-01T00:00:00.000Z", "day": "2024-02-29", "url": "https://example.com",
        "ip": "10.0.0.1", "phone": "+1 555-123-4567", "meta": "{\"a\":1}", "ts": 1700000000 });
    let data = ok(&st, create, json!({ "input": good })).await;
    assert_eq!(data["createThing"]["email"], "a@example.com");
    assert_eq!(data["createThing"]["meta"], "{\"a\":1}");
    for (field, bad) in [
        ("email", json!("not-an-email")),
        ("at", json!("2024-01-01")),
        ("day", json!("2023-02-29")),
        ("url", json!("example.com")),
        ("ip", json!("300.1.1.1")),
        ("phone", json!("call me")),
        ("meta", json!("{not json")),
        ("ts", json!("yesterday")),
    ] {
        let a = gql(&st, create, json!({ "input": { field: bad } })).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(a.body["data"], Value::Null, "{field}: {}", a.text);
        assert!(a.body["errors"][0]["message"].is_string(), "{field}: {}", a.text);
    }
    // Literals are validated too.
    let a = gql(&st, r#"mutation { createThing(input: { email: "nope" }) { id } }"#, json!({})).await;
    assert_eq!(a.body["data"], Value::Null, "{}", a.text);
}

#[tokio::test]
async fn authentication_and_cors() {
    let st = state("01-todo-public-api-key").await;
    let body = json!({ "query": "query { listTodos { items { id } } }" }).to_string();
    for headers in [vec![("x-api-key", "da2-wrong")], vec![], vec![("authorization", "some-jwt")]] {
        let a = post_raw(&st, body.clone(), &headers).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert_eq!(a.headers.get("x-amzn-errortype").unwrap(), "UnauthorizedException");
        assert_eq!(a.body["errors"][0]["errorType"], "UnauthorizedException");
        assert_eq!(a.headers.get("access-control-allow-origin").unwrap(), "*");
    }
    // Expired key.
    let (compiled, auth) = compile_fixture("01-todo-public-api-key");
    let service = ampbase_data::DataService::new(compiled.model.clone(), auth.clone(), Store::open_in_memory().unwrap(), ampbase_data::FunctionGrants::none())
        .await
        .unwrap();
    let expired = ampbase_appsync::ApiKeyCredential { key: KEY.into(), expires_at: Some(std::time::SystemTime::now() - std::time::Duration::from_secs(1)) };
    let api = ExecutableApi::build(&compiled, &auth, Arc::new(service), Some(expired), Limits::default()).unwrap();
    let st2 = AppSyncState::new(Some(api));
    let a = gql(&st2, "query { listTodos { items { id } } }", json!({})).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    // Preflight.
    use tower::ServiceExt;
    let req = axum::http::Request::builder()
        .method("OPTIONS")
        .uri("/graphql")
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-api-key,x-amz-user-agent")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = ampbase_appsync::router(st.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert_eq!(h.get("access-control-allow-origin").unwrap(), "*");
    assert!(h.get("access-control-allow-headers").unwrap().to_str().unwrap().contains("x-api-key"));
    assert!(h.get("access-control-allow-methods").unwrap().to_str().unwrap().contains("POST"));

    // application/graphql bodies.
    let a = {
        let req = axum::http::Request::post("/graphql")
            .header("content-type", "application/graphql")
            .header("x-api-key", KEY)
            .body(axum::body::Body::from("query { listTodos { items { id } } }"))
            .unwrap();
        let resp = ampbase_appsync::router(st.clone()).oneshot(req).await.unwrap();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    assert!(a["data"]["listTodos"]["items"].is_array(), "{a}");
}

struct TestAuthenticator;

#[async_trait::async_trait]
impl Authenticator for TestAuthenticator {
    async fn authenticate(&self, request: AuthRequest<'_>) -> Result<Caller, AuthRejection> {
        let token = request.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
        let Some(rest) = token.strip_prefix("user:") else { return Err(AuthRejection::new("bad token")) };
        let (name, groups) = rest.split_once(':').unwrap_or((rest, ""));
        let groups: Vec<String> = groups.split(',').filter(|g| !g.is_empty()).map(str::to_string).collect();
        let mut claims = serde_json::Map::new();
        claims.insert("sub".into(), json!(format!("{name}-sub")));
        claims.insert("cognito:username".into(), json!(name));
        claims.insert("cognito:groups".into(), json!(groups));
        Ok(Caller::UserPool(UserIdentity { sub: format!("{name}-sub"), username: name.into(), groups, claims }))
    }
}

#[tokio::test]
async fn authorization_mode_checks() {
    // A field only user pools may read, a mutation only the Admin group may run.
    let sdl = r#"
type Note @model @auth(rules: [{allow: public}, {allow: private}]) {
  body: String
  secret: String @auth(rules: [{allow: private}])
}"#;
    let auth = ampbase_data_compiler::AuthorizationConfig::from_define_data_json(
        &json!({ "defaultAuthorizationMode": "apiKey", "apiKeyAuthorizationMode": { "expiresInDays": 7 } }),
        true,
    )
    .unwrap();
    let compiled = compile_sdl(sdl, auth.clone());
    let st = AppSyncState::new(Some(api_for(&compiled, &auth, Store::open_in_memory().unwrap()).await));

    // Without an authenticator, user-pool requests are refused with AppSync's 401.
    let body = json!({ "query": "query { listNotes { items { id } } }" }).to_string();
    let a = post_raw(&st, body.clone(), &[("authorization", "user:alice")]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    st.set_authenticator(Some(Box::new(TestAuthenticator)));
    let create = "mutation($input: CreateNoteInput!) { createNote(input: $input) { id body secret } }";
    let body = json!({ "query": create, "variables": { "input": { "id": "n1", "body": "b", "secret": "s" } } }).to_string();
    let a = post_raw(&st, body, &[("authorization", "user:alice")]).await;
    assert!(a.body.get("errors").is_none(), "{}", a.text);
    assert_eq!(a.body["data"]["createNote"]["secret"], "s");

    // The API key may not read `secret`: null with AppSync's Unauthorized error.
    let a = gql(&st, "query { getNote(id: \"n1\") { id body secret } }", json!({})).await;
    assert_eq!(a.body["data"]["getNote"]["body"], "b", "{}", a.text);
    assert_eq!(a.body["data"]["getNote"]["secret"], Value::Null);
    let e = &a.body["errors"][0];
    assert_eq!(e["errorType"], "Unauthorized", "{}", a.text);
    assert_eq!(e["message"], "Not Authorized to access secret on type Note");
    assert_eq!(e["path"], json!(["getNote", "secret"]));
}

#[tokio::test]
async fn mode_directives_on_root_fields() {
    // 04-custom-operations declares operations for some modes only; custom operations answer
    // with a NotImplemented error naming the operation.
    let (compiled, auth) = compile_fixture("20-custom-operations");
    let st = AppSyncState::new(Some(api_for(&compiled, &auth, Store::open_in_memory().unwrap()).await));
    let api = st.current().unwrap();
    let sdl = &compiled.appsync_sdl;
    // Find a custom query in the SDL and call it.
    let custom = compiled.model.queries.first().expect("a custom query");
    let args: Vec<String> = custom.arguments.iter().filter(|a| a.ty.is_non_null()).map(|a| format!("{}: {}", a.name, placeholder(&a.ty.name))).collect();
    let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
    let selection = if compiled.model.custom_type(&custom.return_type.name).is_some() || compiled.model.model(&custom.return_type.name).is_some() {
        " { __typename }"
    } else {
        ""
    };
    let q = format!("query {{ {}{args}{selection} }}", custom.name);
    let resp = api.execute(ampbase_appsync::GraphqlRequest { query: q.clone(), ..Default::default() }, Caller::ApiKey).await;
    let body: Value = serde_json::from_slice(&ampbase_appsync::errors::response_body(&resp)).unwrap();
    let t = body["errors"][0]["errorType"].as_str().unwrap_or("");
    assert!(t == "NotImplemented" || t == "Unauthorized", "{q}: {body}\n{}", &sdl[..0]);
}

fn placeholder(ty: &str) -> &'static str {
    match ty {
        "Int" | "AWSTimestamp" => "1",
        "Float" => "1.5",
        "Boolean" => "true",
        _ => "\"x\"",
    }
}

#[tokio::test]
async fn blog_relationships_indexes_and_custom_keys() {
    let st = state("02-blog-relations-indexes").await;
    let ops = operations("02-blog-relations-indexes");
    // Every client mutation and query document of the fixture, with its variables, runs.
    for (call, query, vars) in &ops {
        if call.contains(".on") || call.ends_with(".delete") || call.ends_with(".update") {
            continue;
        }
        let a = gql(&st, query, vars.clone()).await;
        assert_eq!(a.status, StatusCode::OK);
        assert!(a.body.get("errors").is_none(), "{call}: {}", a.text);
    }
    // Relationships through a selection set: hasMany with arguments, belongsTo, hasOne.
    ok(&st, "mutation { createPost(input: { id: \"p2\", blogId: \"id-1\", title: \"second\", slug: \"second\", status: PUBLISHED, ratings: [5] }) { id } }", json!({})).await;
    let data = ok(&st, "query { getBlog(id: \"id-1\") { id posts(limit: 1) { items { id title blog { id name } } nextToken } } }", json!({})).await;
    let posts = &data["getBlog"]["posts"];
    assert_eq!(posts["items"].as_array().unwrap().len(), 1, "{data}");
    assert!(posts["nextToken"].is_string(), "{data}");
    assert_eq!(posts["items"][0]["blog"]["id"], "id-1");
    let all = ok(&st, "query { getBlog(id: \"id-1\") { posts { items { id } } } }", json!({})).await;
    assert_eq!(all["getBlog"]["posts"]["items"].as_array().unwrap().len(), 2);

    // Secondary index with a sort-key condition and direction.
    let (idx, _) = op(&ops, "models.Post.listPostByStatusAndTitle");
    let data = ok(&st, &idx, json!({ "status": "PUBLISHED" })).await;
    let field = data.as_object().unwrap().values().next().unwrap();
    assert_eq!(field["items"].as_array().unwrap().len(), 1, "{data}");
    assert_eq!(field["items"][0]["id"], "p2");

    // Custom identifier get, and the update/delete documents.
    for call in ["models.Author.update", "models.Author.delete", "models.Post.update", "models.Blog.update"] {
        let (q, v) = op(&ops, call);
        ok(&st, &q, v).await;
    }
    let (get, v) = op(&ops, "models.Author.get");
    assert_eq!(ok(&st, &get, v).await["getAuthor"], Value::Null);
}
