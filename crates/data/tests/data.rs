//! The data domain against the real SQLite store, on DataModels compiled from the
//! conformance fixtures.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use ampbase_core::{Caller, IamPrincipal, LambdaIdentity, UserIdentity};
use ampbase_data::*;
use ampbase_data_compiler::{AuthorizationConfig, CompileInput, compile};
use ampbase_store::Store;
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

fn fixture(name: &str) -> (ampbase_data_compiler::DataModel, AuthorizationConfig) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../conformance/fixtures")
        .join(name);
    let sdl = std::fs::read_to_string(dir.join("directive.graphql")).unwrap();
    let inputs: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("inputs.json")).unwrap()).unwrap();
    let auth = AuthorizationConfig::from_define_data_json(
        &inputs["authorizationModes"],
        inputs["withAuth"].as_bool().unwrap_or(false),
    )
    .unwrap();
    let function_names: BTreeMap<String, String> =
        serde_json::from_value(inputs["functionNames"].clone()).unwrap_or_default();
    let compiled = compile(&CompileInput {
        sdl: vec![sdl],
        authorization: auth.clone(),
        function_names,
    })
    .unwrap();
    (compiled.model, auth)
}

async fn service_with(name: &str, grants: FunctionGrants) -> DataService {
    let (model, auth) = fixture(name);
    DataService::new(model, auth, Store::open_in_memory().unwrap(), grants)
        .await
        .unwrap()
}

async fn service(name: &str) -> DataService {
    service_with(name, FunctionGrants::none()).await
}

fn rec(v: Value) -> Record {
    v.as_object().unwrap().clone()
}

fn user(sub: &str, groups: &[&str]) -> Caller {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(sub));
    claims.insert("cognito:username".into(), json!(sub));
    claims.insert("cognito:groups".into(), json!(groups));
    Caller::UserPool(UserIdentity {
        sub: format!("{sub}-sub"),
        username: sub.into(),
        groups: groups.iter().map(|s| s.to_string()).collect(),
        claims,
    })
}

fn oidc(user_id: &str, groups: &[&str]) -> Caller {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(user_id));
    claims.insert("user_id".into(), json!(user_id));
    claims.insert("cognito:groups".into(), json!(groups));
    Caller::Oidc(UserIdentity {
        sub: user_id.into(),
        username: user_id.into(),
        groups: groups.iter().map(|s| s.to_string()).collect(),
        claims,
    })
}

fn guest() -> Caller {
    Caller::Iam(IamPrincipal::Guest {
        identity_id: "us-east-1:guest".into(),
    })
}

fn iam_user(sub: &str) -> Caller {
    Caller::Iam(IamPrincipal::Authenticated {
        identity_id: format!("us-east-1:{sub}"),
        sub: format!("{sub}-sub"),
        username: sub.into(),
        groups: vec![],
    })
}

fn lambda() -> Caller {
    Caller::Lambda(LambdaIdentity {
        resolver_context: Map::new(),
        denied_fields: vec![],
    })
}

const API: Caller = Caller::ApiKey;

fn kind<T: std::fmt::Debug>(r: DataResult<T>) -> DataErrorKind {
    r.expect_err("expected an error").kind
}

async fn list_all(
    svc: &DataService,
    caller: &Caller,
    model: &str,
    key: Option<KeyQuery>,
    mut args: ListArgs,
) -> Vec<Record> {
    let mut out = Vec::new();
    loop {
        let page = svc
            .list(caller, model, key.clone(), args.clone())
            .await
            .unwrap();
        out.extend(page.items);
        match page.next_token {
            Some(t) => args.next_token = Some(t),
            None => return out,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CRUD, ids, timestamps, defaults

#[tokio::test]
async fn crud_ids_timestamps() {
    let svc = service("01-todo-public-api-key").await;
    let t = svc
        .create(&API, "Todo", rec(json!({"content": "a"})), None)
        .await
        .unwrap();
    let id = t["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok_and(|u| u.get_version_num() == 4));
    let created = t["createdAt"].as_str().unwrap();
    assert_eq!(created.len(), 24, "{created}");
    assert!(created.ends_with('Z') && created.as_bytes()[19] == b'.');
    assert_eq!(t["updatedAt"], t["createdAt"]);
    assert!(!t.contains_key("__typename"));

    let got = svc
        .get(&API, "Todo", &rec(json!({"id": id})))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, t);
    assert!(
        svc.get(&API, "Todo", &rec(json!({"id": "nope"})))
            .await
            .unwrap()
            .is_none()
    );

    tokio::time::sleep(Duration::from_millis(3)).await;
    let u = svc
        .update(&API, "Todo", rec(json!({"id": id, "content": "b"})), None)
        .await
        .unwrap();
    assert_eq!(u["content"], "b");
    assert_eq!(u["createdAt"], t["createdAt"]);
    assert_ne!(u["updatedAt"], t["updatedAt"]);
    // null removes
    let u = svc
        .update(&API, "Todo", rec(json!({"id": id, "content": null})), None)
        .await
        .unwrap();
    assert!(!u.contains_key("content"));

    // create with an existing key
    assert_eq!(
        kind(
            svc.create(&API, "Todo", rec(json!({"id": id, "content": "x"})), None)
                .await
        ),
        DataErrorKind::ConditionalCheckFailed
    );
    // update / delete of a missing record
    assert_eq!(
        kind(
            svc.update(
                &API,
                "Todo",
                rec(json!({"id": "missing", "content": "x"})),
                None
            )
            .await
        ),
        DataErrorKind::ConditionalCheckFailed
    );
    assert_eq!(
        kind(
            svc.delete(&API, "Todo", rec(json!({"id": "missing"})), None)
                .await
        ),
        DataErrorKind::ConditionalCheckFailed
    );

    let d = svc
        .delete(&API, "Todo", rec(json!({"id": id})), None)
        .await
        .unwrap();
    assert_eq!(d["id"], json!(id));
    assert!(
        svc.get(&API, "Todo", &rec(json!({"id": id})))
            .await
            .unwrap()
            .is_none()
    );
    // a given id is kept
    let t = svc
        .create(&API, "Todo", rec(json!({"id": "mine"})), None)
        .await
        .unwrap();
    assert_eq!(t["id"], "mine");
    // unknown field
    assert_eq!(
        kind(
            svc.create(&API, "Todo", rec(json!({"nope": 1})), None)
                .await
        ),
        DataErrorKind::Validation
    );
}

#[tokio::test]
async fn defaults_enums_custom_types_required() {
    let svc = service("02-blog-relations-indexes").await;
    let s = svc
        .create(&API, "BlogSettings", rec(json!({"blogId": "b1"})), None)
        .await
        .unwrap();
    assert_eq!(s["theme"], "light");
    assert_eq!(s["isPrivate"], false);
    assert_eq!(s["maxPosts"], 100);
    let s = svc
        .create(
            &API,
            "BlogSettings",
            rec(json!({"theme": "dark", "maxPosts": 3})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(s["theme"], "dark");
    assert_eq!(s["maxPosts"], 3);

    let post = json!({"blogId": "b1", "title": "T", "slug": "t", "status": "DRAFT", "ratings": [1, 2],
        "location": {"lat": 1.5, "long": 2.0, "label": "x"}, "history": [{"lat": 1, "long": 2}, null],
        "metadata": "{\"a\":[1,2]}", "tags": ["a", null]});
    let p = svc
        .create(&API, "Post", rec(post.clone()), None)
        .await
        .unwrap();
    assert_eq!(p["views"], 0);
    assert_eq!(p["location"]["lat"], 1.5);

    let bad = |patch: Value| {
        let mut v = post.clone();
        for (k, x) in patch.as_object().unwrap() {
            if x == "__remove__" {
                v.as_object_mut().unwrap().remove(k);
            } else {
                v[k] = x.clone();
            }
        }
        rec(v)
    };
    for patch in [
        json!({"title": "__remove__"}),
        json!({"title": null}),
        json!({"ratings": "__remove__"}),
        json!({"ratings": [1, null]}),
        json!({"ratings": [1.5]}),
        json!({"status": "NOPE"}),
        json!({"status": 1}),
        json!({"location": {"lat": 1}}),
        json!({"location": {"lat": "x", "long": 1}}),
        json!({"location": {"lat": 1, "long": 1, "other": 1}}),
        json!({"location": "here"}),
        json!({"metadata": "{not json"}),
        json!({"views": 2147483648i64}),
        json!({"views": "1"}),
        json!({"score": "1.5"}),
        json!({"publishedAt": "2024-01-01"}),
        json!({"tags": [1]}),
        json!({"blog": {"id": "x"}}),
    ] {
        let r = svc.create(&API, "Post", bad(patch.clone()), None).await;
        assert_eq!(kind(r), DataErrorKind::Validation, "{patch}");
    }
    // update may not null a required field
    let id = p["id"].as_str().unwrap();
    assert_eq!(
        kind(
            svc.update(&API, "Post", rec(json!({"id": id, "title": null})), None)
                .await
        ),
        DataErrorKind::Validation
    );

    // every AWS scalar on Author
    let author = json!({"tenantId": "t", "authorId": "a", "displayName": "A", "email": "a@b.co", "website": "https://a.b/c",
        "phone": "+1 555-123-4567", "lastIp": "10.0.0.1", "birthday": "2000-02-29", "wakeUpTime": "07:30:00.000", "lastSeen": 1700000000});
    svc.create(&API, "Author", rec(author.clone()), None)
        .await
        .unwrap();
    for (k, v) in [
        ("email", json!("nope")),
        ("website", json!("a.b/c")),
        ("phone", json!("phone")),
        ("lastIp", json!("1.2.3")),
        ("birthday", json!("2001-02-29")),
        ("wakeUpTime", json!("25:00")),
        ("lastSeen", json!("yesterday")),
    ] {
        let mut a = author.clone();
        a["authorId"] = json!(format!("a-{k}"));
        a[k] = v;
        assert_eq!(
            kind(svc.create(&API, "Author", rec(a), None).await),
            DataErrorKind::Validation,
            "{k}"
        );
    }
    // composite key taken
    assert_eq!(
        kind(svc.create(&API, "Author", rec(author), None).await),
        DataErrorKind::ConditionalCheckFailed
    );
    let got = svc
        .get(
            &API,
            "Author",
            &rec(json!({"tenantId": "t", "authorId": "a"})),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got["displayName"], "A");
    assert_eq!(
        kind(
            svc.get(&API, "Author", &rec(json!({"tenantId": "t"})))
                .await
        ),
        DataErrorKind::Validation
    );
}

// ---------------------------------------------------------------------------------------------
// Filters

async fn filter_ids(svc: &DataService, filter: Value) -> BTreeSet<String> {
    let args = ListArgs {
        filter: Some(filter),
        ..Default::default()
    };
    list_all(svc, &API, "Post", None, args)
        .await
        .into_iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn ids(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn every_filter_operator() {
    let svc = service("02-blog-relations-indexes").await;
    for (id, title, views, score, tags, body, status) in [
        (
            "p1",
            "Apple pie",
            1,
            1.5,
            json!(["food", "sweet"]),
            json!("short"),
            "DRAFT",
        ),
        (
            "p2",
            "Banana bread",
            5,
            2.5,
            json!(["food"]),
            json!(null),
            "PUBLISHED",
        ),
        (
            "p3",
            "Cherry",
            10,
            3.5,
            json!([]),
            json!("a longer body"),
            "ARCHIVED",
        ),
        (
            "p4",
            "apple tart",
            20,
            4.0,
            json!(["sweet"]),
            json!(""),
            "PUBLISHED",
        ),
    ] {
        let mut p = json!({"id": id, "blogId": "b", "title": title, "slug": id, "status": status, "ratings": [views], "views": views, "score": score, "tags": tags});
        if !body.is_null() {
            p["body"] = body;
        }
        svc.create(&API, "Post", rec(p), None).await.unwrap();
    }
    let cases = [
        (json!({"title": {"eq": "Cherry"}}), vec!["p3"]),
        (json!({"title": {"ne": "Cherry"}}), vec!["p1", "p2", "p4"]),
        (json!({"views": {"le": 5}}), vec!["p1", "p2"]),
        (json!({"views": {"lt": 5}}), vec!["p1"]),
        (json!({"views": {"ge": 10}}), vec!["p3", "p4"]),
        (json!({"views": {"gt": 10}}), vec!["p4"]),
        (json!({"score": {"between": [2, 3.5]}}), vec!["p2", "p3"]),
        (json!({"title": {"between": ["B", "C"]}}), vec!["p2"]),
        (json!({"title": {"beginsWith": "apple"}}), vec!["p4"]),
        (json!({"title": {"contains": "an"}}), vec!["p2"]),
        (
            json!({"title": {"notContains": "pie"}}),
            vec!["p2", "p3", "p4"],
        ),
        (json!({"tags": {"contains": "sweet"}}), vec!["p1", "p4"]),
        (json!({"tags": {"notContains": "food"}}), vec!["p3", "p4"]),
        (
            json!({"body": {"attributeExists": true}}),
            vec!["p1", "p3", "p4"],
        ),
        (json!({"body": {"attributeExists": false}}), vec!["p2"]),
        (
            json!({"tags": {"attributeType": "list"}}),
            vec!["p1", "p2", "p3", "p4"],
        ),
        (
            json!({"views": {"attributeType": "number"}}),
            vec!["p1", "p2", "p3", "p4"],
        ),
        (json!({"views": {"attributeType": "string"}}), vec![]),
        (json!({"body": {"size": {"gt": 5}}}), vec!["p3"]),
        (json!({"body": {"size": {"eq": 0}}}), vec!["p4"]),
        (
            json!({"tags": {"size": {"between": [1, 1]}}}),
            vec!["p2", "p4"],
        ),
        (json!({"status": {"eq": "PUBLISHED"}}), vec!["p2", "p4"]),
        (json!({"status": {"ne": "PUBLISHED"}}), vec!["p1", "p3"]),
        (json!({"id": {"in": ["p1", "p3"]}}), vec!["p1", "p3"]),
        (json!({"id": {"notIn": ["p1", "p3"]}}), vec!["p2", "p4"]),
        (
            json!({"and": [{"views": {"gt": 1}}, {"views": {"lt": 20}}]}),
            vec!["p2", "p3"],
        ),
        (
            json!({"or": [{"views": {"eq": 1}}, {"title": {"eq": "Cherry"}}]}),
            vec!["p1", "p3"],
        ),
        (json!({"not": {"views": {"eq": 1}}}), vec!["p2", "p3", "p4"]),
        (
            json!({"views": {"gt": 1}, "score": {"lt": 4}}),
            vec!["p2", "p3"],
        ),
        (json!({"views": {"eq": null}}), vec!["p1", "p2", "p3", "p4"]),
        (json!({"title": {"gt": 5}}), vec![]),
    ];
    for (filter, want) in cases {
        assert_eq!(
            filter_ids(&svc, filter.clone()).await,
            ids(&want),
            "{filter}"
        );
    }
    let bad = ListArgs {
        filter: Some(json!({"nope": {"eq": 1}})),
        ..Default::default()
    };
    assert_eq!(
        kind(svc.list(&API, "Post", None, bad).await),
        DataErrorKind::Validation
    );
    let bad = ListArgs {
        filter: Some(json!({"views": {"like": 1}})),
        ..Default::default()
    };
    assert_eq!(
        kind(svc.list(&API, "Post", None, bad).await),
        DataErrorKind::Validation
    );
}

// ---------------------------------------------------------------------------------------------
// Pagination and tokens

#[tokio::test]
async fn pagination_and_tokens() {
    let svc = service("01-todo-public-api-key").await;
    for i in 0..53 {
        svc.create(
            &API,
            "Todo",
            rec(json!({"content": format!("c{}", i % 3)})),
            None,
        )
        .await
        .unwrap();
    }
    // default limit 100
    let page = svc
        .list(&API, "Todo", None, ListArgs::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 53);
    assert!(page.next_token.is_none());
    // pages of 7: no duplicates, no gaps
    let mut seen = BTreeSet::new();
    let mut args = ListArgs {
        limit: Some(7),
        ..Default::default()
    };
    let mut pages = 0;
    loop {
        let page = svc.list(&API, "Todo", None, args.clone()).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 7);
        for it in &page.items {
            assert!(
                seen.insert(it["id"].as_str().unwrap().to_string()),
                "duplicate"
            );
        }
        match page.next_token {
            Some(t) => {
                assert_eq!(
                    page.items.len(),
                    7,
                    "a filtered page is full unless it is the last"
                );
                args.next_token = Some(t)
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 53);
    assert_eq!(pages, 8);
    // filter before limit: every page is full of matches
    let args = ListArgs {
        limit: Some(5),
        filter: Some(json!({"content": {"eq": "c1"}})),
        ..Default::default()
    };
    let first = svc.list(&API, "Todo", None, args.clone()).await.unwrap();
    assert_eq!(first.items.len(), 5);
    assert!(first.items.iter().all(|i| i["content"] == "c1"));
    let all = list_all(&svc, &API, "Todo", None, args.clone()).await;
    assert_eq!(all.len(), 18);
    // exact multiple: no token after the last page
    let p = svc
        .list(
            &API,
            "Todo",
            None,
            ListArgs {
                limit: Some(53),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p.items.len(), 53);
    assert!(p.next_token.is_none());

    // tokens: tampered, foreign query, garbage
    let token = first.next_token.clone().unwrap();
    let mut forged = token.clone();
    let c = if forged.starts_with('e') { "f" } else { "e" };
    forged.replace_range(0..1, c);
    for bad in [forged, "garbage".to_string(), format!("{token}x")] {
        let a = ListArgs {
            next_token: Some(bad),
            ..args.clone()
        };
        assert_eq!(
            kind(svc.list(&API, "Todo", None, a).await),
            DataErrorKind::InvalidNextToken
        );
    }
    let other_filter = ListArgs {
        next_token: Some(token.clone()),
        filter: Some(json!({"content": {"eq": "c2"}})),
        ..args.clone()
    };
    assert_eq!(
        kind(svc.list(&API, "Todo", None, other_filter).await),
        DataErrorKind::InvalidNextToken
    );
    // a token of another service instance on another store
    let other = service("01-todo-public-api-key").await;
    assert_eq!(
        kind(
            other
                .list(
                    &API,
                    "Todo",
                    None,
                    ListArgs {
                        next_token: Some(token),
                        ..args.clone()
                    }
                )
                .await
        ),
        DataErrorKind::InvalidNextToken
    );
    // limits
    assert_eq!(
        kind(
            svc.list(
                &API,
                "Todo",
                None,
                ListArgs {
                    limit: Some(1001),
                    ..Default::default()
                }
            )
            .await
        ),
        DataErrorKind::Validation
    );
    assert!(
        svc.list(
            &API,
            "Todo",
            None,
            ListArgs {
                limit: Some(1000),
                ..Default::default()
            }
        )
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn token_key_persists_in_the_store() {
    let (model, auth) = fixture("01-todo-public-api-key");
    let store = Store::open_in_memory().unwrap();
    let a = DataService::new(
        model.clone(),
        auth.clone(),
        store.clone(),
        FunctionGrants::none(),
    )
    .await
    .unwrap();
    for _ in 0..3 {
        a.create(&API, "Todo", rec(json!({})), None).await.unwrap();
    }
    let page = a
        .list(
            &API,
            "Todo",
            None,
            ListArgs {
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let b = DataService::new(model, auth, store, FunctionGrants::none())
        .await
        .unwrap();
    let next = b
        .list(
            &API,
            "Todo",
            None,
            ListArgs {
                limit: Some(1),
                next_token: page.next_token,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(next.items.len(), 1);
    assert_ne!(next.items[0]["id"], page.items[0]["id"]);
}

// ---------------------------------------------------------------------------------------------
// Key and index queries

fn kq(index: Option<&str>, pk: (&str, Value), sort: Option<(&str, Value)>) -> Option<KeyQuery> {
    Some(KeyQuery {
        index: index.map(str::to_string),
        partition: (pk.0.to_string(), pk.1),
        sort: sort.map(|(n, c)| (n.to_string(), c)),
    })
}

async fn query_vals(
    svc: &DataService,
    model: &str,
    key: Option<KeyQuery>,
    dir: SortDirection,
    field: &str,
    limit: u32,
) -> Vec<Value> {
    let args = ListArgs {
        sort_direction: dir,
        limit: Some(limit),
        ..Default::default()
    };
    list_all(svc, &API, model, key, args)
        .await
        .into_iter()
        .map(|r| r[field].clone())
        .collect()
}

#[tokio::test]
async fn key_and_index_queries() {
    let svc = service("02-blog-relations-indexes").await;
    let days = [
        "2024-01-01T00:00:00.000Z",
        "2024-01-02T00:00:00.000Z",
        "2024-01-03T00:00:00.000Z",
        "2024-01-04T00:00:00.000Z",
    ];
    for (i, d) in days.iter().enumerate() {
        for blog in ["b1", "b2"] {
            svc.create(&API, "Post", rec(json!({"blogId": blog, "title": format!("{blog}-{i}"), "slug": format!("{blog}-{i}"), "status": "DRAFT", "ratings": [], "publishedAt": d})), None).await.unwrap();
        }
    }
    let q = |sort: Option<Value>| {
        kq(
            Some("listPostsByBlogAndDate"),
            ("blogId", json!("b1")),
            sort.map(|s| ("publishedAt", s)),
        )
    };
    let d = |i: usize| json!(days[i]);
    let cases: Vec<(Option<Value>, Vec<usize>)> = vec![
        (None, vec![0, 1, 2, 3]),
        (Some(json!({"eq": days[1]})), vec![1]),
        (Some(json!({"le": days[1]})), vec![0, 1]),
        (Some(json!({"lt": days[1]})), vec![0]),
        (Some(json!({"ge": days[2]})), vec![2, 3]),
        (Some(json!({"gt": days[2]})), vec![3]),
        (Some(json!({"between": [days[1], days[2]]})), vec![1, 2]),
        (Some(json!({"beginsWith": "2024-01-0"})), vec![0, 1, 2, 3]),
        (Some(json!({"beginsWith": "2024-01-03"})), vec![2]),
    ];
    for (sort, want) in cases {
        for (dir, limit) in [(SortDirection::Asc, 1), (SortDirection::Desc, 3)] {
            let got = query_vals(&svc, "Post", q(sort.clone()), dir, "publishedAt", limit).await;
            let mut want: Vec<Value> = want.iter().map(|i| d(*i)).collect();
            if dir == SortDirection::Desc {
                want.reverse();
            }
            assert_eq!(got, want, "{sort:?} {dir:?}");
        }
    }
    // the index by its name, an enum partition
    let got = query_vals(
        &svc,
        "Post",
        kq(
            Some("byStatusAndTitle"),
            ("status", json!("DRAFT")),
            Some(("title", json!({"beginsWith": "b2"}))),
        ),
        SortDirection::Desc,
        "title",
        2,
    )
    .await;
    assert_eq!(
        got,
        vec![json!("b2-3"), json!("b2-2"), json!("b2-1"), json!("b2-0")]
    );
    // a query with a filter
    let args = ListArgs {
        filter: Some(json!({"title": {"eq": "b1-2"}})),
        ..Default::default()
    };
    assert_eq!(
        svc.list(&API, "Post", q(None), args)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    // wrong partition field, two operators, unknown index
    assert_eq!(
        kind(
            svc.list(
                &API,
                "Post",
                kq(Some("listPostsByBlogAndDate"), ("slug", json!("x")), None),
                ListArgs::default()
            )
            .await
        ),
        DataErrorKind::Validation
    );
    assert_eq!(
        kind(
            svc.list(
                &API,
                "Post",
                q(Some(json!({"eq": days[0], "lt": days[1]}))),
                ListArgs::default()
            )
            .await
        ),
        DataErrorKind::Validation
    );
    assert_eq!(
        kind(
            svc.list(
                &API,
                "Post",
                kq(Some("nope"), ("x", json!("x")), None),
                ListArgs::default()
            )
            .await
        ),
        DataErrorKind::Validation
    );

    // primary key queries with a sort key (Author: tenantId + authorId)
    for a in ["a1", "a2", "a3"] {
        svc.create(
            &API,
            "Author",
            rec(json!({"tenantId": "t", "authorId": a, "displayName": a})),
            None,
        )
        .await
        .unwrap();
    }
    let got = query_vals(
        &svc,
        "Author",
        kq(
            None,
            ("tenantId", json!("t")),
            Some(("authorId", json!({"gt": "a1"}))),
        ),
        SortDirection::Desc,
        "authorId",
        100,
    )
    .await;
    assert_eq!(got, vec![json!("a3"), json!("a2")]);
}

#[tokio::test]
async fn composite_sort_keys() {
    let svc = service("08-identifiers").await;
    for (depth, day) in [
        (json!(1.5), "2024-01-01"),
        (json!(1.5), "2024-01-02"),
        (json!(2.5), "2024-01-01"),
        (json!(3), "2024-02-01"),
    ] {
        svc.create(
            &API,
            "Measurement",
            rec(json!({"stationId": "s", "depth": depth, "day": day, "value": 1})),
            None,
        )
        .await
        .unwrap();
    }
    svc.create(
        &API,
        "Measurement",
        rec(json!({"stationId": "other", "depth": 1.5, "day": "2024-01-01"})),
        None,
    )
    .await
    .unwrap();
    let m = svc
        .get(
            &API,
            "Measurement",
            &rec(json!({"stationId": "s", "depth": 1.5, "day": "2024-01-02"})),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        !m.contains_key("depth#day"),
        "composite attributes are not returned"
    );
    assert_eq!(
        kind(
            svc.create(
                &API,
                "Measurement",
                rec(json!({"stationId": "s", "depth": 1.5, "day": "2024-01-02"})),
                None
            )
            .await
        ),
        DataErrorKind::ConditionalCheckFailed
    );
    let q = |c: Value| kq(None, ("stationId", json!("s")), Some(("depthDay", c)));
    let pairs = |v: Vec<Record>| {
        v.into_iter()
            .map(|r| format!("{}#{}", r["depth"], r["day"].as_str().unwrap()))
            .collect::<Vec<_>>()
    };
    let cases = [
        (
            json!({"eq": {"depth": 1.5, "day": "2024-01-02"}}),
            vec!["1.5#2024-01-02"],
        ),
        (
            json!({"eq": {"depth": 1.5}}),
            vec!["1.5#2024-01-01", "1.5#2024-01-02"],
        ),
        (
            json!({"beginsWith": {"depth": 1.5, "day": "2024-01"}}),
            vec!["1.5#2024-01-01", "1.5#2024-01-02"],
        ),
        (
            json!({"gt": {"depth": 1.5, "day": "2024-01-01"}}),
            vec!["1.5#2024-01-02", "2.5#2024-01-01", "3#2024-02-01"],
        ),
        (
            json!({"ge": {"depth": 2.5}}),
            vec!["2.5#2024-01-01", "3#2024-02-01"],
        ),
        (
            json!({"lt": {"depth": 2.5}}),
            vec!["1.5#2024-01-01", "1.5#2024-01-02"],
        ),
        (
            json!({"le": {"depth": 2.5, "day": "2024-01-01"}}),
            vec!["1.5#2024-01-01", "1.5#2024-01-02", "2.5#2024-01-01"],
        ),
        (
            json!({"between": [{"depth": 1.5, "day": "2024-01-02"}, {"depth": 2.5, "day": "2024-12-31"}]}),
            vec!["1.5#2024-01-02", "2.5#2024-01-01"],
        ),
    ];
    for (c, want) in cases {
        for dir in [SortDirection::Asc, SortDirection::Desc] {
            let args = ListArgs {
                sort_direction: dir,
                limit: Some(1),
                ..Default::default()
            };
            let got = pairs(list_all(&svc, &API, "Measurement", q(c.clone()), args).await);
            let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            if dir == SortDirection::Desc {
                want.reverse();
            }
            assert_eq!(got, want, "{c} {dir:?}");
        }
    }
    // parts out of order
    assert_eq!(
        kind(
            svc.list(
                &API,
                "Measurement",
                q(json!({"eq": {"day": "2024-01-01"}})),
                ListArgs::default()
            )
            .await
        ),
        DataErrorKind::Validation
    );

    // a composite index (09: Product.byNameReleasePrice: name, releasedOn#price)
    let svc = service("09-secondary-indexes").await;
    for (sku, released, price) in [
        ("a", "2024-01-01", 10),
        ("b", "2024-01-01", 20),
        ("c", "2024-03-01", 5),
    ] {
        svc.create(&API, "Product", rec(json!({"sku": sku, "warehouseId": "w", "category": "c", "price": price, "name": "n", "releasedOn": released})), None).await.unwrap();
    }
    let key = kq(
        Some("productsByName"),
        ("name", json!("n")),
        Some((
            "releasedOnPrice",
            json!({"eq": {"releasedOn": "2024-01-01"}}),
        )),
    );
    let got = query_vals(&svc, "Product", key, SortDirection::Desc, "sku", 10).await;
    assert_eq!(got, vec![json!("b"), json!("a")]);
    // numeric single sort key: sorted numerically
    let key = kq(
        Some("listProductByCategoryAndPrice"),
        ("category", json!("c")),
        Some(("price", json!({"ge": 6}))),
    );
    assert_eq!(
        query_vals(&svc, "Product", key, SortDirection::Asc, "sku", 10).await,
        vec![json!("a"), json!("b")]
    );
}

// ---------------------------------------------------------------------------------------------
// Relationships

#[tokio::test]
async fn relationships() {
    let svc = service("02-blog-relations-indexes").await;
    let blog = svc
        .create(&API, "Blog", rec(json!({"id": "b1", "name": "Blog"})), None)
        .await
        .unwrap();
    svc.create(
        &API,
        "Blog",
        rec(json!({"id": "b2", "name": "Other"})),
        None,
    )
    .await
    .unwrap();
    svc.create(
        &API,
        "BlogSettings",
        rec(json!({"id": "s1", "blogId": "b1"})),
        None,
    )
    .await
    .unwrap();
    svc.create(
        &API,
        "Author",
        rec(json!({"tenantId": "t", "authorId": "a", "displayName": "A"})),
        None,
    )
    .await
    .unwrap();
    svc.create(
        &API,
        "AuthorProfile",
        rec(json!({"profileId": "pr", "authorTenantId": "t", "authorAuthorId": "a", "bio": "hi"})),
        None,
    )
    .await
    .unwrap();
    for i in 0..12 {
        let blog = if i < 10 { "b1" } else { "b2" };
        svc.create(&API, "Post", rec(json!({"id": format!("p{i:02}"), "blogId": blog, "title": format!("t{i}"), "slug": format!("s{i}"), "status": "DRAFT", "ratings": [], "views": i, "authorTenantId": "t", "authorAuthorId": "a"})), None).await.unwrap();
    }
    // hasMany with limit/nextToken/filter/sortDirection
    let mut args = ListArgs {
        limit: Some(3),
        ..Default::default()
    };
    let mut got = Vec::new();
    loop {
        let Related::Many(page) = svc
            .related(&API, "Blog", "posts", &blog, args.clone())
            .await
            .unwrap()
        else {
            panic!()
        };
        got.extend(page.items.into_iter().map(|r| r["id"].clone()));
        match page.next_token {
            Some(t) => args.next_token = Some(t),
            None => break,
        }
    }
    assert_eq!(got.len(), 10);
    let args = ListArgs {
        filter: Some(json!({"views": {"ge": 8}})),
        ..Default::default()
    };
    let Related::Many(page) = svc
        .related(&API, "Blog", "posts", &blog, args)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(page.items.len(), 2);
    // hasOne via references
    let Related::One(Some(settings)) = svc
        .related(&API, "Blog", "settings", &blog, ListArgs::default())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(settings["id"], "s1");
    // belongsTo
    let post = svc
        .get(&API, "Post", &rec(json!({"id": "p03"})))
        .await
        .unwrap()
        .unwrap();
    let Related::One(Some(b)) = svc
        .related(&API, "Post", "blog", &post, ListArgs::default())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(b["name"], "Blog");
    // belongsTo a composite key, hasMany and hasOne on composite references
    let Related::One(Some(a)) = svc
        .related(&API, "Post", "author", &post, ListArgs::default())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(a["displayName"], "A");
    let Related::Many(page) = svc
        .related(&API, "Author", "posts", &a, ListArgs::default())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(page.items.len(), 12);
    let Related::One(Some(profile)) = svc
        .related(&API, "Author", "profile", &a, ListArgs::default())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(profile["bio"], "hi");
    // a missing foreign key
    let lonely = svc.create(&API, "Post", rec(json!({"blogId": "zz", "title": "x", "slug": "x", "status": "DRAFT", "ratings": []})), None).await.unwrap();
    assert_eq!(
        svc.related(&API, "Post", "author", &lonely, ListArgs::default())
            .await
            .unwrap(),
        Related::One(None)
    );
    assert_eq!(
        svc.related(&API, "Post", "blog", &lonely, ListArgs::default())
            .await
            .unwrap(),
        Related::One(None)
    );
    // not a relationship
    assert_eq!(
        kind(
            svc.related(&API, "Post", "title", &lonely, ListArgs::default())
                .await
        ),
        DataErrorKind::Validation
    );
}

// ---------------------------------------------------------------------------------------------
// Conditions

#[tokio::test]
async fn conditions() {
    let svc = service("02-blog-relations-indexes").await;
    let p = svc.create(&API, "Post", rec(json!({"id": "p", "blogId": "b", "title": "T", "slug": "s", "status": "DRAFT", "ratings": [], "views": 1})), None).await.unwrap();
    assert_eq!(p["views"], 1);
    let upd = |views: i64, cond: Value| {
        svc.update(
            &API,
            "Post",
            rec(json!({"id": "p", "views": views})),
            Some(cond),
        )
    };
    assert_eq!(
        kind(upd(2, json!({"views": {"eq": 5}})).await),
        DataErrorKind::ConditionalCheckFailed
    );
    assert_eq!(
        upd(2, json!({"views": {"eq": 1}, "status": {"eq": "DRAFT"}}))
            .await
            .unwrap()["views"],
        2
    );
    assert_eq!(
        kind(
            upd(
                3,
                json!({"or": [{"views": {"eq": 1}}, {"title": {"eq": "x"}}]})
            )
            .await
        ),
        DataErrorKind::ConditionalCheckFailed
    );
    assert_eq!(
        upd(3, json!({"not": {"views": {"eq": 1}}})).await.unwrap()["views"],
        3
    );
    assert_eq!(
        kind(
            svc.delete(
                &API,
                "Post",
                rec(json!({"id": "p"})),
                Some(json!({"title": {"beginsWith": "X"}}))
            )
            .await
        ),
        DataErrorKind::ConditionalCheckFailed
    );
    assert!(
        svc.get(&API, "Post", &rec(json!({"id": "p"})))
            .await
            .unwrap()
            .is_some()
    );
    svc.delete(
        &API,
        "Post",
        rec(json!({"id": "p"})),
        Some(json!({"title": {"beginsWith": "T"}})),
    )
    .await
    .unwrap();
    // create with a condition on the (absent) record
    let c = rec(
        json!({"id": "q", "blogId": "b", "title": "T", "slug": "s", "status": "DRAFT", "ratings": []}),
    );
    assert_eq!(
        kind(
            svc.create(
                &API,
                "Post",
                c.clone(),
                Some(json!({"title": {"attributeExists": true}}))
            )
            .await
        ),
        DataErrorKind::ConditionalCheckFailed
    );
    svc.create(
        &API,
        "Post",
        c,
        Some(json!({"title": {"attributeExists": false}})),
    )
    .await
    .unwrap();

    // concurrent conditional updates: exactly one wins each round
    let svc2 = svc.clone();
    let mut handles = Vec::new();
    for i in 0..8 {
        let s = svc2.clone();
        handles.push(tokio::spawn(async move {
            s.update(
                &API,
                "Post",
                rec(json!({"id": "q", "body": format!("{i}")})),
                Some(json!({"body": {"attributeExists": false}})),
            )
            .await
        }));
    }
    let mut ok = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.kind, DataErrorKind::ConditionalCheckFailed),
        }
    }
    assert_eq!(ok, 1);
}

// ---------------------------------------------------------------------------------------------
// Authorization

#[tokio::test]
async fn owner_rules() {
    let svc = service("13-auth-owner").await;
    let alice = user("alice", &[]);
    let bob = user("bob", &[]);
    let t = svc
        .create(&alice, "Todo", rec(json!({"content": "mine"})), None)
        .await
        .unwrap();
    assert_eq!(t["owner"], "alice-sub::alice");
    let key = rec(json!({"id": t["id"]}));
    assert!(svc.get(&alice, "Todo", &key).await.unwrap().is_some());
    assert_eq!(
        kind(svc.get(&bob, "Todo", &key).await),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(svc.get(&API, "Todo", &key).await),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(svc.list(&API, "Todo", None, ListArgs::default()).await),
        DataErrorKind::Unauthorized
    );
    svc.create(&bob, "Todo", rec(json!({"content": "bob's"})), None)
        .await
        .unwrap();
    // owner values equal to the sub or the username alone also match
    svc.create(
        &alice,
        "Todo",
        rec(json!({"content": "by sub", "owner": "alice-sub"})),
        None,
    )
    .await
    .unwrap();
    svc.create(
        &alice,
        "Todo",
        rec(json!({"content": "by name", "owner": "alice"})),
        None,
    )
    .await
    .unwrap();
    let mine = list_all(
        &svc,
        &alice,
        "Todo",
        None,
        ListArgs {
            limit: Some(1),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(mine.len(), 3, "{mine:?}");
    assert_eq!(
        list_all(&svc, &bob, "Todo", None, ListArgs::default())
            .await
            .len(),
        1
    );
    // update/delete by another user
    assert_eq!(
        kind(
            svc.update(
                &bob,
                "Todo",
                rec(json!({"id": t["id"], "content": "x"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(svc.delete(&bob, "Todo", key.clone(), None).await),
        DataErrorKind::Unauthorized
    );
    // creating a record owned by someone else
    assert_eq!(
        kind(
            svc.create(&alice, "Todo", rec(json!({"owner": "bob-sub::bob"})), None)
                .await
        ),
        DataErrorKind::Unauthorized
    );
    // by default an owner may reassign (Amplify docs); then it is the new owner's
    svc.update(
        &alice,
        "Todo",
        rec(json!({"id": t["id"], "owner": "bob-sub::bob"})),
        None,
    )
    .await
    .unwrap();
    assert!(svc.get(&bob, "Todo", &key).await.unwrap().is_some());
    assert_eq!(
        kind(svc.get(&alice, "Todo", &key).await),
        DataErrorKind::Unauthorized
    );

    // Note: owner field protected with read/delete: reassigning is refused
    let n = svc
        .create(&alice, "Note", rec(json!({"content": "n"})), None)
        .await
        .unwrap();
    assert_eq!(
        kind(
            svc.update(
                &alice,
                "Note",
                rec(json!({"id": n["id"], "owner": "bob-sub::bob"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    svc.update(
        &alice,
        "Note",
        rec(json!({"id": n["id"], "content": "m"})),
        None,
    )
    .await
    .unwrap();
    svc.delete(&alice, "Note", rec(json!({"id": n["id"]})), None)
        .await
        .unwrap();

    // Draft: owner may not delete
    let d = svc
        .create(&alice, "Draft", rec(json!({"content": "d"})), None)
        .await
        .unwrap();
    svc.update(
        &alice,
        "Draft",
        rec(json!({"id": d["id"], "content": "e"})),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        kind(
            svc.delete(&alice, "Draft", rec(json!({"id": d["id"]})), None)
                .await
        ),
        DataErrorKind::Unauthorized
    );

    // Story: custom owner field
    let s = svc
        .create(&alice, "Story", rec(json!({"content": "s"})), None)
        .await
        .unwrap();
    assert_eq!(s["author"], "alice-sub::alice");

    // SharedTodo: a list of owners
    let st = svc
        .create(&alice, "SharedTodo", rec(json!({"content": "s"})), None)
        .await
        .unwrap();
    assert_eq!(st["owners"], json!(["alice-sub::alice"]));
    let skey = rec(json!({"id": st["id"]}));
    assert_eq!(
        kind(svc.get(&bob, "SharedTodo", &skey).await),
        DataErrorKind::Unauthorized
    );
    svc.update(
        &alice,
        "SharedTodo",
        rec(json!({"id": st["id"], "owners": ["alice-sub::alice", "bob"]})),
        None,
    )
    .await
    .unwrap();
    assert!(svc.get(&bob, "SharedTodo", &skey).await.unwrap().is_some());
    assert_eq!(
        list_all(&svc, &bob, "SharedTodo", None, ListArgs::default())
            .await
            .len(),
        1
    );

    // Post: identityClaim user_id (OIDC-style claim on a user-pool token) and a group claim
    let mut carol = user("carol", &[]);
    if let Caller::UserPool(u) = &mut carol {
        u.claims.insert("user_id".into(), json!("U-carol"));
    }
    let p = svc
        .create(
            &carol,
            "Post",
            rec(json!({"id": "p1", "content": "c"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(p["owner"], "U-carol");
    assert_eq!(
        kind(svc.get(&bob, "Post", &rec(json!({"id": "p1"}))).await),
        DataErrorKind::Unauthorized
    );
    let mut moderator = user("mod", &[]);
    if let Caller::UserPool(u) = &mut moderator {
        u.claims.insert("user_groups".into(), json!(["Moderator"]));
    }
    assert!(
        svc.get(&moderator, "Post", &rec(json!({"id": "p1"})))
            .await
            .unwrap()
            .is_some()
    );
    svc.delete(&moderator, "Post", rec(json!({"id": "p1"})), None)
        .await
        .unwrap();
    // the cognito:groups claim is not the rule's group claim
    let fake_mod = user("fake", &["Moderator"]);
    svc.create(&carol, "Post", rec(json!({"id": "p2"})), None)
        .await
        .unwrap();
    assert_eq!(
        kind(svc.get(&fake_mod, "Post", &rec(json!({"id": "p2"}))).await),
        DataErrorKind::Unauthorized
    );

    // Document: several owner rules and private read
    let doc = svc
        .create(
            &alice,
            "Document",
            rec(json!({"title": "d", "editors": ["bob"]})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(doc["owner"], "alice-sub::alice");
    let dkey = rec(json!({"id": doc["id"]}));
    assert!(
        svc.get(&user("zed", &[]), "Document", &dkey)
            .await
            .unwrap()
            .is_some(),
        "private read"
    );
    svc.update(
        &bob,
        "Document",
        rec(json!({"id": doc["id"], "title": "by editor"})),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        kind(svc.delete(&bob, "Document", dkey.clone(), None).await),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(
            svc.update(
                &user("zed", &[]),
                "Document",
                rec(json!({"id": doc["id"], "title": "x"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    svc.delete(&alice, "Document", dkey, None).await.unwrap();
}

#[tokio::test]
async fn owner_lists_use_the_owner_index() {
    let svc = service("13-auth-owner").await;
    let alice = user("alice", &[]);
    for i in 0..30 {
        let who = if i % 10 == 0 {
            user("alice", &[])
        } else {
            user(&format!("u{i}"), &[])
        };
        svc.create(&who, "Todo", rec(json!({"content": i})), None)
            .await
            .ok();
        svc.create(&who, "Todo", rec(json!({"content": format!("{i}")})), None)
            .await
            .unwrap();
    }
    let all = list_all(
        &svc,
        &alice,
        "Todo",
        None,
        ListArgs {
            limit: Some(2),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|r| r["owner"] == "alice-sub::alice"));
    // the token of one user's list is no good for another's
    let page = svc
        .list(
            &alice,
            "Todo",
            None,
            ListArgs {
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let args = ListArgs {
        limit: Some(1),
        next_token: page.next_token,
        ..Default::default()
    };
    assert_eq!(
        kind(svc.list(&user("u1", &[]), "Todo", None, args).await),
        DataErrorKind::InvalidNextToken
    );
}

#[tokio::test]
async fn group_private_and_iam_rules() {
    let svc = service("14-auth-groups-authenticated").await;
    let admin = user("admin", &["Admin"]);
    let lead = user("lead", &["Leadership"]);
    let joe = user("joe", &[]);
    // static groups
    let s = svc
        .create(&admin, "Salary", rec(json!({"wage": 1.0})), None)
        .await
        .unwrap();
    assert_eq!(
        kind(
            svc.create(&joe, "Salary", rec(json!({"wage": 1.0})), None)
                .await
        ),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(svc.get(&lead, "Salary", &rec(json!({"id": s["id"]}))).await),
        DataErrorKind::Unauthorized
    );
    svc.create(&lead, "Bonus", rec(json!({"wage": 1.0})), None)
        .await
        .unwrap();
    // dynamic groups (list field and single field)
    let p = svc
        .create(
            &user("a", &["G1"]),
            "Post",
            rec(json!({"title": "t", "groups": ["G1", "G2"]})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        kind(
            svc.create(
                &user("a", &["G1"]),
                "Post",
                rec(json!({"title": "t", "groups": ["G3"]})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    assert!(
        svc.get(&user("b", &["G2"]), "Post", &rec(json!({"id": p["id"]})))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        kind(
            svc.get(&user("c", &["G3"]), "Post", &rec(json!({"id": p["id"]})))
                .await
        ),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        list_all(&svc, &user("c", &["G3"]), "Post", None, ListArgs::default())
            .await
            .len(),
        0
    );
    assert_eq!(
        list_all(&svc, &user("b", &["G2"]), "Post", None, ListArgs::default())
            .await
            .len(),
        1
    );
    svc.create(
        &user("a", &["Ops"]),
        "Announcement",
        rec(json!({"title": "t", "group": "Ops"})),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        list_all(
            &svc,
            &user("x", &["Ops"]),
            "Announcement",
            None,
            ListArgs::default()
        )
        .await
        .len(),
        1
    );
    assert_eq!(
        list_all(
            &svc,
            &user("x", &["Dev"]),
            "Announcement",
            None,
            ListArgs::default()
        )
        .await
        .len(),
        0
    );
    // private: user pools only
    svc.create(&joe, "Todo", rec(json!({"content": "x"})), None)
        .await
        .unwrap();
    assert_eq!(
        kind(svc.create(&API, "Todo", rec(json!({})), None).await),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(
            svc.create(&iam_user("joe"), "Todo", rec(json!({})), None)
                .await
        ),
        DataErrorKind::Unauthorized
    );
    // private identityPool: authenticated IAM only
    svc.create(&iam_user("joe"), "Checklist", rec(json!({})), None)
        .await
        .unwrap();
    assert_eq!(
        kind(svc.create(&joe, "Checklist", rec(json!({})), None).await),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(
            svc.create(&guest(), "Checklist", rec(json!({})), None)
                .await
        ),
        DataErrorKind::Unauthorized
    );
    // Project: per-operation rules
    assert_eq!(
        kind(
            svc.create(&joe, "Project", rec(json!({"name": "p"})), None)
                .await
        ),
        DataErrorKind::Unauthorized
    );
    let pr = svc
        .create(
            &admin,
            "Project",
            rec(json!({"name": "p", "team": "red", "reviewers": ["QA"]})),
            None,
        )
        .await
        .unwrap();
    let pkey = rec(json!({"id": pr["id"]}));
    assert!(svc.get(&joe, "Project", &pkey).await.unwrap().is_some());
    assert!(svc.get(&API, "Project", &pkey).await.unwrap().is_some());
    assert_eq!(
        kind(
            svc.update(
                &API,
                "Project",
                rec(json!({"id": pr["id"], "name": "x"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(
            svc.update(
                &joe,
                "Project",
                rec(json!({"id": pr["id"], "name": "x"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    svc.update(
        &user("ed", &["EDITORS"]),
        "Project",
        rec(json!({"id": pr["id"], "name": "x"})),
        None,
    )
    .await
    .unwrap();
    let mut red = user("r", &[]);
    if let Caller::UserPool(u) = &mut red {
        u.claims.insert("custom:team".into(), json!("red"));
    }
    svc.update(
        &red,
        "Project",
        rec(json!({"id": pr["id"], "name": "y"})),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        kind(svc.delete(&red, "Project", pkey.clone(), None).await),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(
            svc.delete(&user("ed", &["EDITORS"]), "Project", pkey.clone(), None)
                .await
        ),
        DataErrorKind::Unauthorized
    );
    svc.delete(&admin, "Project", pkey, None).await.unwrap();
    // admin IAM may do anything
    let admin_iam = Caller::Iam(IamPrincipal::Admin);
    svc.create(&admin_iam, "Salary", rec(json!({"wage": 2.0})), None)
        .await
        .unwrap();
    assert_eq!(
        list_all(&svc, &admin_iam, "Salary", None, ListArgs::default())
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn public_custom_oidc_and_modes() {
    let svc = service("03-auth-rules").await;
    // Photo: private identityPool, public identityPool read
    let p = svc
        .create(
            &iam_user("a"),
            "Photo",
            rec(json!({"url": "https://x.y/p.png"})),
            None,
        )
        .await
        .unwrap();
    assert!(
        svc.get(&guest(), "Photo", &rec(json!({"id": p["id"]})))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        kind(
            svc.create(
                &guest(),
                "Photo",
                rec(json!({"url": "https://x.y/p.png"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(svc.get(&API, "Photo", &rec(json!({"id": p["id"]}))).await),
        DataErrorKind::Unauthorized
    );
    // Announcement: apiKey read, private write
    let a = svc
        .create(
            &user("a", &[]),
            "Announcement",
            rec(json!({"message": "m"})),
            None,
        )
        .await
        .unwrap();
    assert!(
        svc.get(&API, "Announcement", &rec(json!({"id": a["id"]})))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        kind(
            svc.create(&API, "Announcement", rec(json!({"message": "m"})), None)
                .await
        ),
        DataErrorKind::Unauthorized
    );
    // Ticket: custom (lambda), oidc owner with user_id claim, oidc groups
    let t = svc
        .create(&lambda(), "Ticket", rec(json!({"subject": "s"})), None)
        .await
        .unwrap();
    assert!(
        !t.contains_key("owner"),
        "a static rule authorized the create"
    );
    let o = svc
        .create(
            &oidc("u1", &[]),
            "Ticket",
            rec(json!({"subject": "s"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(o["owner"], "u1");
    assert_eq!(
        kind(
            svc.get(&oidc("u2", &[]), "Ticket", &rec(json!({"id": o["id"]})))
                .await
        ),
        DataErrorKind::Unauthorized
    );
    assert!(
        svc.get(
            &oidc("u3", &["Support"]),
            "Ticket",
            &rec(json!({"id": o["id"]}))
        )
        .await
        .unwrap()
        .is_some()
    );
    // a user-pool token does not satisfy the oidc rules
    assert_eq!(
        kind(
            svc.get(
                &user("u1", &["Support"]),
                "Ticket",
                &rec(json!({"id": o["id"]}))
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        list_all(&svc, &lambda(), "Ticket", None, ListArgs::default())
            .await
            .len(),
        2
    );
    // Employee: field-level rules on salary (owner or HR) and ssn (HR read)
    let e = svc
        .create(
            &user("hr", &["HR"]),
            "Employee",
            rec(json!({"name": "E", "salary": 1.0})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        kind(
            svc.create(
                &user("hr", &["HR"]),
                "Employee",
                rec(json!({"name": "E", "ssn": "1"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized,
        "ssn is read-only"
    );
    let mine = svc
        .create(
            &user("me", &[]),
            "Employee",
            rec(json!({"name": "Me", "salary": 2.0})),
            None,
        )
        .await
        .unwrap();
    let denied = svc.denied_fields(&user("me", &[]), "Employee", &mine);
    assert_eq!(denied, BTreeSet::from(["ssn".to_string()]));
    let denied = svc.denied_fields(&user("hr", &["HR"]), "Employee", &e);
    assert!(denied.is_empty());
    assert!(
        svc.denied_fields(&Caller::Iam(IamPrincipal::Admin), "Employee", &e)
            .is_empty()
    );
    let denied = svc.denied_fields(&lambda(), "Employee", &e);
    assert!(denied.contains("salary") && denied.contains("ssn"));
    let l = Caller::Lambda(LambdaIdentity {
        resolver_context: Map::new(),
        denied_fields: vec!["Ticket.subject".into()],
    });
    assert_eq!(
        svc.denied_fields(&l, "Ticket", &t),
        BTreeSet::from(["subject".to_string()])
    );
}

#[tokio::test]
async fn field_level_rules() {
    let svc = service("15-auth-field-level-global").await;
    let alice = user("alice", &[]);
    let bob = user("bob", &[]);
    let e = svc
        .create(
            &alice,
            "Employee",
            rec(json!({"name": "A", "ssn": "123"})),
            None,
        )
        .await
        .unwrap();
    assert!(svc.denied_fields(&alice, "Employee", &e).is_empty());
    assert_eq!(
        svc.denied_fields(&bob, "Employee", &e),
        BTreeSet::from(["ssn".to_string()])
    );
    // bob may read the record (private read) but not write ssn
    assert!(
        svc.get(&bob, "Employee", &rec(json!({"id": e["id"]})))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        kind(
            svc.update(
                &bob,
                "Employee",
                rec(json!({"id": e["id"], "ssn": "x"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    // Notes: apiKey read only
    assert_eq!(
        kind(
            svc.create(&API, "Notes", rec(json!({"content": "x"})), None)
                .await
        ),
        DataErrorKind::Unauthorized
    );
    // StaffMember: field rules per field
    let hr = user("hr", &["HR"]);
    let s = svc.create(&hr, "StaffMember", rec(json!({"badgeId": "B1", "fullName": "F", "level": "SENIOR", "compensation": {"base": 1.0}, "team": "T", "publicBio": "bio"})), None).await.unwrap();
    let d = svc.denied_fields(&user("member", &["T"]), "StaffMember", &s);
    assert!(
        d.contains("compensation")
            && d.contains("phone")
            && !d.contains("notes")
            && !d.contains("level"),
        "{d:?}"
    );
    let d = svc.denied_fields(&API, "StaffMember", &s);
    assert!(
        d.contains("level") && !d.contains("publicBio") && !d.contains("badgeId"),
        "{d:?}"
    );
    // owner creating with a field only HR/Finance may write
    assert_eq!(
        kind(
            svc.create(
                &alice,
                "StaffMember",
                rec(json!({"badgeId": "B2", "fullName": "F", "compensation": {"base": 1.0}})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    // phone: the owner may read and update it, not create it
    assert_eq!(
        kind(
            svc.create(
                &alice,
                "StaffMember",
                rec(json!({"badgeId": "B2", "fullName": "F", "phone": "555 123 4567"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    svc.create(
        &alice,
        "StaffMember",
        rec(json!({"badgeId": "B2", "fullName": "F"})),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        kind(
            svc.update(
                &alice,
                "StaffMember",
                rec(json!({"badgeId": "B2", "level": "SENIOR"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    svc.update(
        &alice,
        "StaffMember",
        rec(json!({"badgeId": "B2", "phone": "555 123 4568"})),
        None,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn resource_access_of_functions() {
    let grants = FunctionGrants::from_schema_access_json(&json!([
        {"resource": "reader", "actions": ["query"]},
        {"resource": "writer", "actions": ["mutate", "query"]},
        {"resource": "all"}
    ]));
    let svc = service_with("18-auth-resource-access", grants).await;
    let f = |n: &str| Caller::Iam(IamPrincipal::Function { name: n.into() });
    let p = svc
        .create(
            &f("writer"),
            "UserProfile",
            rec(json!({"email": "e"})),
            None,
        )
        .await
        .unwrap();
    assert!(
        svc.get(&f("reader"), "UserProfile", &rec(json!({"id": p["id"]})))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        kind(
            svc.create(&f("reader"), "UserProfile", rec(json!({})), None)
                .await
        ),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        kind(
            svc.list(&f("stranger"), "UserProfile", None, ListArgs::default())
                .await
        ),
        DataErrorKind::Unauthorized
    );
    svc.create(&f("all"), "AuditEntry", rec(json!({"action": "x"})), None)
        .await
        .unwrap();
    assert!(
        svc.subscribe(
            &f("all"),
            SubscriptionRequest {
                model: "AuditEntry".into(),
                kind: MutationKind::Create,
                filter: None,
                arguments: Map::new()
            }
        )
        .is_ok()
    );
    assert!(
        svc.subscribe(
            &f("reader"),
            SubscriptionRequest {
                model: "AuditEntry".into(),
                kind: MutationKind::Create,
                filter: None,
                arguments: Map::new()
            }
        )
        .is_err()
    );
    // the model rules still hold for others
    assert_eq!(
        kind(
            svc.create(
                &user("a", &["Auditors"]),
                "AuditEntry",
                rec(json!({"action": "x"})),
                None
            )
            .await
        ),
        DataErrorKind::Unauthorized
    );
    assert_eq!(
        list_all(
            &svc,
            &user("a", &["Auditors"]),
            "AuditEntry",
            None,
            ListArgs::default()
        )
        .await
        .len(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

async fn next(s: &mut EventStream) -> Option<Record> {
    tokio::time::timeout(Duration::from_millis(200), s.next())
        .await
        .ok()
        .flatten()
}

fn sub(model: &str, kind: MutationKind, filter: Option<Value>) -> SubscriptionRequest {
    SubscriptionRequest {
        model: model.into(),
        kind,
        filter,
        arguments: Map::new(),
    }
}

#[tokio::test]
async fn subscriptions_filter_and_authorize() {
    let svc = service("02-blog-relations-indexes").await;
    let mut all = svc
        .subscribe(&API, sub("Post", MutationKind::Create, None))
        .unwrap();
    let mut drafts = svc
        .subscribe(
            &API,
            sub(
                "Post",
                MutationKind::Create,
                Some(json!({"status": {"in": ["DRAFT", "ARCHIVED"]}})),
            ),
        )
        .unwrap();
    let mut not_in = svc
        .subscribe(
            &API,
            sub(
                "Post",
                MutationKind::Create,
                Some(json!({"or": [{"status": {"notIn": ["DRAFT"]}}, {"views": {"gt": 100}}]})),
            ),
        )
        .unwrap();
    let mut updates = svc
        .subscribe(&API, sub("Post", MutationKind::Update, None))
        .unwrap();
    let mut deletes = svc
        .subscribe(
            &API,
            sub(
                "Post",
                MutationKind::Delete,
                Some(json!({"and": [{"title": {"beginsWith": "T"}}]})),
            ),
        )
        .unwrap();
    let base = json!({"blogId": "b", "slug": "s", "ratings": []});
    let mk = |id: &str, status: &str| {
        let mut v = base.clone();
        v["id"] = json!(id);
        v["title"] = json!(format!("T{id}"));
        v["status"] = json!(status);
        rec(v)
    };
    svc.create(&API, "Post", mk("1", "DRAFT"), None)
        .await
        .unwrap();
    svc.create(&API, "Post", mk("2", "PUBLISHED"), None)
        .await
        .unwrap();
    assert_eq!(next(&mut all).await.unwrap()["id"], "1");
    assert_eq!(next(&mut all).await.unwrap()["id"], "2");
    assert_eq!(next(&mut drafts).await.unwrap()["id"], "1");
    assert!(next(&mut drafts).await.is_none());
    assert_eq!(next(&mut not_in).await.unwrap()["id"], "2");
    svc.update(&API, "Post", rec(json!({"id": "1", "views": 5})), None)
        .await
        .unwrap();
    assert_eq!(next(&mut updates).await.unwrap()["views"], 5);
    svc.delete(&API, "Post", rec(json!({"id": "2"})), None)
        .await
        .unwrap();
    assert_eq!(next(&mut deletes).await.unwrap()["id"], "2");
    assert!(next(&mut updates).await.is_none());

    // an event from another replica
    assert!(svc.publish("Post", MutationKind::Create, mk("9", "DRAFT")));
    assert_eq!(next(&mut drafts).await.unwrap()["id"], "9");
    assert!(!svc.publish("Nope", MutationKind::Create, Map::new()));

    // owner-scoped
    let svc = service("13-auth-owner").await;
    let (alice, bob) = (user("alice", &[]), user("bob", &[]));
    let mut a = svc
        .subscribe(&alice, sub("Todo", MutationKind::Create, None))
        .unwrap();
    let mut b = svc
        .subscribe(&bob, sub("Todo", MutationKind::Create, None))
        .unwrap();
    let mut arg = svc
        .subscribe(
            &alice,
            SubscriptionRequest {
                arguments: rec(json!({"owner": "someone-else"})),
                ..sub("Todo", MutationKind::Create, None)
            },
        )
        .unwrap();
    assert_eq!(
        svc.subscribe(&API, sub("Todo", MutationKind::Create, None))
            .err()
            .unwrap()
            .kind,
        DataErrorKind::Unauthorized
    );
    svc.create(&alice, "Todo", rec(json!({"content": "a"})), None)
        .await
        .unwrap();
    svc.create(&bob, "Todo", rec(json!({"content": "b"})), None)
        .await
        .unwrap();
    assert_eq!(next(&mut a).await.unwrap()["content"], "a");
    assert!(next(&mut a).await.is_none());
    assert_eq!(next(&mut b).await.unwrap()["content"], "b");
    assert!(next(&mut arg).await.is_none());

    // field-level: denied fields are nulled in events
    let svc = service("15-auth-field-level-global").await;
    let mut bobs = svc
        .subscribe(&bob, sub("Employee", MutationKind::Create, None))
        .unwrap();
    svc.create(
        &alice,
        "Employee",
        rec(json!({"name": "A", "ssn": "123"})),
        None,
    )
    .await
    .unwrap();
    let ev = next(&mut bobs).await.unwrap();
    assert_eq!(ev["name"], "A");
    assert_eq!(ev["ssn"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fan_out_to_1000_subscribers() {
    let svc = service("01-todo-public-api-key").await;
    let n = 1000;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Duration>();
    let mut ready = Vec::new();
    for i in 0..n {
        let filter = if i % 2 == 0 {
            None
        } else {
            Some(json!({"content": {"beginsWith": "go"}}))
        };
        let mut s = svc
            .subscribe(&API, sub("Todo", MutationKind::Create, filter))
            .unwrap();
        let tx = tx.clone();
        let (rtx, rrx) = tokio::sync::oneshot::channel::<()>();
        ready.push(rrx);
        tokio::spawn(async move {
            let _ = rtx.send(());
            while let Some(rec) = s.next().await {
                let sent: u128 = rec["content"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("go")
                    .parse()
                    .unwrap();
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_micros();
                let _ = tx.send(Duration::from_micros((now - sent) as u64));
            }
        });
    }
    for r in ready {
        r.await.unwrap();
    }
    let mut all = Vec::new();
    for _ in 0..5 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros();
        let start = Instant::now();
        svc.create(
            &API,
            "Todo",
            rec(json!({"content": format!("go{now}")})),
            None,
        )
        .await
        .unwrap();
        let mut lat = Vec::with_capacity(n);
        while lat.len() < n {
            lat.push(rx.recv().await.unwrap());
        }
        let elapsed = start.elapsed();
        lat.sort();
        println!(
            "fan-out to {n} subscribers: p50 {:?}, p99 {:?}, max {:?}, all delivered in {:?}",
            lat[n / 2],
            lat[n * 99 / 100],
            lat[n - 1],
            elapsed
        );
        all.extend(lat);
    }
    all.sort();
    println!(
        "fan-out overall (5 mutations x {n}): p50 {:?} p99 {:?}",
        all[all.len() / 2],
        all[all.len() * 99 / 100]
    );
}

#[tokio::test]
async fn every_fixture_gets_tables_and_serves_lists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in names {
        if !root.join(&name).join("directive.graphql").exists() {
            continue;
        }
        let (model, auth) = fixture(&name);
        let store = Store::open_in_memory().unwrap();
        let svc = DataService::new(
            model.clone(),
            auth.clone(),
            store.clone(),
            FunctionGrants::none(),
        )
        .await
        .unwrap();
        // non-destructive on a second start
        let _again = DataService::new(model.clone(), auth, store, FunctionGrants::none())
            .await
            .unwrap();
        let admin = Caller::Iam(IamPrincipal::Admin);
        for m in &model.models {
            let page = svc
                .list(&admin, &m.name, None, ListArgs::default())
                .await
                .unwrap();
            assert!(page.items.is_empty(), "{name} {}", m.name);
        }
    }
}

#[tokio::test]
async fn gen1_many_to_many_and_indexed_has_many() {
    let svc = service("26-gen1-blog").await;
    let admin = Caller::Iam(IamPrincipal::Admin);
    let (model, _) = fixture("26-gen1-blog");
    let join = model.model("PostTags").expect("join model");
    let post_key = join
        .fields
        .iter()
        .find(|f| f.name.to_lowercase().starts_with("postid"))
        .unwrap()
        .name
        .clone();
    let tag_key = join
        .fields
        .iter()
        .find(|f| f.name.to_lowercase().starts_with("tagid"))
        .unwrap()
        .name
        .clone();
    let post = svc
        .create(
            &admin,
            "Post",
            rec(json!({"id": "p", "title": "T", "slug": "t", "status": "DRAFT"})),
            None,
        )
        .await;
    let post = match post {
        Ok(p) => p,
        Err(e) => panic!(
            "{e:?}: {:?}",
            model
                .model("Post")
                .unwrap()
                .fields
                .iter()
                .filter(|f| f.ty.is_non_null())
                .map(|f| &f.name)
                .collect::<Vec<_>>()
        ),
    };
    for t in ["t1", "t2"] {
        svc.create(&admin, "Tag", rec(json!({"id": t, "label": t})), None)
            .await
            .unwrap();
        svc.create(
            &admin,
            "PostTags",
            rec(json!({post_key.clone(): "p", tag_key.clone(): t})),
            None,
        )
        .await
        .unwrap();
    }
    let Related::Many(page) = svc
        .related(&admin, "Post", "tags", &post, ListArgs::default())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(page.items.len(), 2);
    let tag = svc
        .get(&admin, "Tag", &rec(json!({"id": "t1"})))
        .await
        .unwrap()
        .unwrap();
    let Related::Many(page) = svc
        .related(&admin, "Tag", "posts", &tag, ListArgs::default())
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(page.items.len(), 1);
    for i in 0..3 {
        svc.create(&admin, "Comment", rec(json!({"postID": "p", "content": format!("c{i}"), "createdAt": format!("2024-01-0{}T00:00:00.000Z", i + 1)})), None).await.unwrap();
    }
    let args = ListArgs {
        sort_direction: SortDirection::Desc,
        ..Default::default()
    };
    let Related::Many(page) = svc
        .related(&admin, "Post", "comments", &post, args)
        .await
        .unwrap()
    else {
        panic!()
    };
    let got: Vec<_> = page.items.iter().map(|c| c["content"].clone()).collect();
    assert_eq!(got, vec![json!("c2"), json!("c1"), json!("c0")]);
}
