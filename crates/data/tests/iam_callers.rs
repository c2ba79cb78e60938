//! IAM callers (SigV4 with identity-pool credentials) under the rules AppSync applies to
//! them: `allow.guest()` admits guest identities only, `allow.authenticated('identityPool')`
//! signed-in identities only, user-pool rules no IAM caller (group rules take only the
//! `userPools` and `oidc` providers, as the transformer says), the operator everything.

use ampbase_core::{Caller, IamPrincipal};
use ampbase_data::{DataApi, DataErrorKind, DataService, FunctionGrants};
use ampbase_data_compiler::{AuthorizationConfig, CompileInput, compile};
use ampbase_store::Store;
use serde_json::{Value, json};

const SDL: &str = r#"
type PublicNote @model @auth(rules: [{ allow: public, provider: identityPool }]) { id: ID! body: String }
type MemberNote @model @auth(rules: [{ allow: private, provider: identityPool }]) { id: ID! body: String }
type AdminNote @model @auth(rules: [{ allow: groups, groups: ["Admins"] }]) { id: ID! body: String }
type PoolNote @model @auth(rules: [{ allow: private }]) { id: ID! body: String }
"#;

async fn service() -> DataService {
    let authorization = AuthorizationConfig::from_define_data_json(
        &json!({ "defaultAuthorizationMode": "identityPool" }),
        true,
    )
    .unwrap();
    let compiled = compile(&CompileInput {
        sdl: vec![SDL.to_string()],
        authorization: authorization.clone(),
        function_names: Default::default(),
    })
    .unwrap();
    DataService::new(
        compiled.model,
        authorization,
        Store::open_in_memory().unwrap(),
        FunctionGrants::none(),
    )
    .await
    .unwrap()
}

fn guest() -> Caller {
    Caller::Iam(IamPrincipal::Guest {
        identity_id: "us-east-1:guest".into(),
    })
}

fn member(groups: &[&str]) -> Caller {
    Caller::Iam(IamPrincipal::Authenticated {
        identity_id: "us-east-1:member".into(),
        sub: "member-sub".into(),
        username: "member".into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    })
}

fn record(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

async fn can_create(svc: &DataService, caller: &Caller, model: &str) -> bool {
    match svc
        .create(caller, model, record(json!({ "body": "b" })), None)
        .await
    {
        Ok(_) => true,
        Err(e) if e.kind == DataErrorKind::Unauthorized => false,
        Err(e) => panic!("{model}: {e:?}"),
    }
}

#[tokio::test]
async fn identity_pool_rules_admit_the_right_iam_callers() {
    let svc = service().await;
    let admin_role = member(&["Admins"]);
    let plain = member(&[]);
    let operator = Caller::Iam(IamPrincipal::Admin);

    assert!(can_create(&svc, &guest(), "PublicNote").await);
    assert!(
        !can_create(&svc, &plain, "PublicNote").await,
        "allow.guest() is the unauthenticated role's"
    );
    assert!(!can_create(&svc, &guest(), "MemberNote").await);
    assert!(can_create(&svc, &plain, "MemberNote").await);
    assert!(!can_create(&svc, &guest(), "AdminNote").await);
    assert!(
        !can_create(&svc, &plain, "AdminNote").await,
        "not in the group"
    );
    assert!(
        !can_create(&svc, &admin_role, "AdminNote").await,
        "a user-pool group rule, not an IAM one"
    );
    assert!(
        !can_create(&svc, &admin_role, "PoolNote").await,
        "user-pool rules admit no IAM caller"
    );
    assert!(
        can_create(&svc, &operator, "PoolNote").await,
        "the operator may do anything"
    );

    let note = svc
        .create(
            &plain,
            "MemberNote",
            record(json!({ "body": "members" })),
            None,
        )
        .await
        .unwrap();
    let key = record(json!({ "id": note["id"] }));
    assert!(
        svc.get(&admin_role, "MemberNote", &key)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        svc.get(&guest(), "MemberNote", &key)
            .await
            .unwrap_err()
            .kind,
        DataErrorKind::Unauthorized
    );
    assert!(
        svc.get(&operator, "MemberNote", &key)
            .await
            .unwrap()
            .is_some()
    );
}
