"""Cognito's administrator API through boto3 against a running ampbase sandbox.

Reads AMPBASE_ENDPOINT, AMPBASE_REGION, AMPBASE_USER_POOL_ID, AMPBASE_ACCESS_KEY_ID and
AMPBASE_SECRET_ACCESS_KEY; exits non-zero on the first failed check.
"""

import datetime
import os
import sys
from unittest import mock

import boto3
import botocore
import botocore.auth
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["AMPBASE_ENDPOINT"]
REGION = os.environ["AMPBASE_REGION"]
POOL = os.environ["AMPBASE_USER_POOL_ID"]
KEY = os.environ["AMPBASE_ACCESS_KEY_ID"]
SECRET = os.environ["AMPBASE_SECRET_ACCESS_KEY"]
CONFIG = Config(retries={"max_attempts": 1})

checks = 0


def check(condition, what):
    global checks
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


def client(key=KEY, secret=SECRET, config=CONFIG):
    return boto3.client(
        "cognito-idp",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=config,
    )


def error_of(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


admin = client()
attributes = lambda user: {a["Name"]: a["Value"] for a in user.get("Attributes", user.get("UserAttributes", []))}

created = admin.admin_create_user(
    UserPoolId=POOL,
    Username="alice@example.com",
    UserAttributes=[{"Name": "email", "Value": "alice@example.com"}, {"Name": "email_verified", "Value": "true"}],
    TemporaryPassword="Temporary-pass-1!",
    MessageAction="SUPPRESS",
)["User"]
check(created["UserStatus"] == "FORCE_CHANGE_PASSWORD", f"AdminCreateUser status: {created}")
check(attributes(created)["email"] == "alice@example.com", f"AdminCreateUser attributes: {created}")
admin.admin_create_user(
    UserPoolId=POOL,
    Username="bob@example.com",
    UserAttributes=[{"Name": "email", "Value": "bob@example.com"}],
    MessageAction="SUPPRESS",
)

alice = admin.admin_get_user(UserPoolId=POOL, Username="alice@example.com")
check(alice["Enabled"] is True, f"AdminGetUser enabled: {alice}")
check(attributes(alice)["email_verified"] == "true", f"AdminGetUser attributes: {alice}")
check(attributes(alice)["sub"] == attributes(created)["sub"], "AdminGetUser sub is the created user's")

admin.admin_add_user_to_group(UserPoolId=POOL, Username="alice@example.com", GroupName="EDITORS")
groups = admin.admin_list_groups_for_user(UserPoolId=POOL, Username="alice@example.com")["Groups"]
check([g["GroupName"] for g in groups] == ["EDITORS"], f"AdminListGroupsForUser: {groups}")
check(admin.admin_list_groups_for_user(UserPoolId=POOL, Username="bob@example.com")["Groups"] == [], "bob has no groups")

found = admin.list_users(UserPoolId=POOL, Filter='email = "alice@example.com"')["Users"]
check([attributes(u)["email"] for u in found] == ["alice@example.com"], f"ListUsers email filter: {found}")
prefix = admin.list_users(UserPoolId=POOL, Filter='email ^= "bob"')["Users"]
check([attributes(u)["email"] for u in prefix] == ["bob@example.com"], f"ListUsers prefix filter: {prefix}")
everyone = admin.list_users(UserPoolId=POOL)["Users"]
check(len(everyone) == 2, f"ListUsers without a filter: {everyone}")
code, _ = error_of(lambda: admin.list_users(UserPoolId=POOL, Filter='nickname = "x"'))
check(code == "InvalidParameterException", f"ListUsers on an attribute it cannot filter: {code}")

members = admin.list_users_in_group(UserPoolId=POOL, GroupName="EDITORS")["Users"]
check([attributes(u)["email"] for u in members] == ["alice@example.com"], f"ListUsersInGroup: {members}")

admin.admin_delete_user(UserPoolId=POOL, Username="alice@example.com")
code, _ = error_of(lambda: admin.admin_get_user(UserPoolId=POOL, Username="alice@example.com"))
check(code == "UserNotFoundException", f"AdminGetUser after AdminDeleteUser: {code}")
check(admin.list_users_in_group(UserPoolId=POOL, GroupName="EDITORS")["Users"] == [], "the group lost its member")

# What Cognito refuses, with its error types.
code, message = error_of(lambda: client(secret="not-the-secret-" + SECRET[15:]).list_users(UserPoolId=POOL))
check(code == "InvalidSignatureException", f"wrong secret: {code}")
check(message.startswith("The request signature we calculated does not match"), f"wrong secret message: {message}")

ten_minutes_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
with mock.patch.object(botocore.auth, "get_current_datetime", return_value=ten_minutes_ago):
    code, message = error_of(lambda: client().admin_get_user(UserPoolId=POOL, Username="bob@example.com"))
check(code == "InvalidSignatureException", f"expired date: {code}")
check(message.startswith("Signature expired: ") and message.endswith("- 5 min.)"), f"expired date message: {message}")

code, message = error_of(lambda: client(key="AKIAUNKNOWNKEY000000").list_users(UserPoolId=POOL))
check(code == "UnrecognizedClientException", f"unknown access key: {code}")
check(message == "The security token included in the request is invalid.", f"unknown key message: {message}")

unsigned = client(config=Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}))
code, _ = error_of(lambda: unsigned.list_users(UserPoolId=POOL))
check(code == "MissingAuthenticationTokenException", f"unsigned: {code}")

# Identity-pool credentials are genuine but carry no Cognito administrator permission.
identity = boto3.client(
    "cognito-identity",
    endpoint_url=ENDPOINT,
    region_name=REGION,
    config=Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}),
)
identity_id = identity.get_id(IdentityPoolId=os.environ["AMPBASE_IDENTITY_POOL_ID"])["IdentityId"]
guest = identity.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
guest_admin = boto3.client(
    "cognito-idp",
    endpoint_url=ENDPOINT,
    region_name=REGION,
    aws_access_key_id=guest["AccessKeyId"],
    aws_secret_access_key=guest["SecretKey"],
    aws_session_token=guest["SessionToken"],
    config=CONFIG,
)
code, message = error_of(lambda: guest_admin.list_users(UserPoolId=POOL))
check(code == "AccessDeniedException", f"guest credentials on ListUsers: {code} {message}")
check("cognito-idp:ListUsers" in message, f"AccessDenied names the action: {message}")

# The client operations stay public: no signature needed.
code, _ = error_of(lambda: unsigned.get_user(AccessToken="not-a-token"))
check(code == "NotAuthorizedException", f"GetUser with a forged token: {code}")

print(f"ok: {checks} checks")
