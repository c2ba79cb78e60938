//! `AWSCognitoIdentityService.*`: GetId, GetCredentialsForIdentity, GetOpenIdToken.

use serde_json::{Map, Value, json};

use super::req;
use crate::error::{AuthError, AuthResult, ErrorKind};
use crate::identity::IdentityPool;

pub async fn handle(
    pool: &IdentityPool,
    op: &str,
    input: &Map<String, Value>,
) -> AuthResult<Value> {
    let empty = Map::new();
    let logins = input
        .get("Logins")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    Ok(match op {
        "GetId" => {
            json!({ "IdentityId": pool.get_id(req(input, "IdentityPoolId")?, logins).await? })
        }
        "GetCredentialsForIdentity" => {
            let c = pool
                .get_credentials_for_identity(req(input, "IdentityId")?, logins)
                .await?;
            json!({
                "IdentityId": c.identity_id,
                "Credentials": {
                    "AccessKeyId": c.access_key_id,
                    "SecretKey": c.secret_key,
                    "SessionToken": c.session_token,
                    "Expiration": c.expiration,
                },
            })
        }
        "GetOpenIdToken" => {
            let id = req(input, "IdentityId")?;
            json!({ "IdentityId": id, "Token": pool.get_open_id_token(id, logins).await? })
        }
        other => {
            return Err(AuthError::new(
                ErrorKind::UnknownOperationException,
                format!("Operation {other} is not supported by ampbase yet."),
            ));
        }
    })
}
