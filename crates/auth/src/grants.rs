//! What a function's role may call on the user pool: `defineAuth({ access: allow =>
//! [allow.resource(fn).to([...])] })`. Each Amplify action names one Cognito API operation or,
//! for the `manage*` actions, a set of them, as `@aws-amplify/backend-auth` grants them in IAM.

use std::collections::{BTreeMap, BTreeSet};

use ampbase_definition::ResourceGrant;

/// The Cognito operations of an Amplify auth action (`createUser` → `AdminCreateUser`, …).
/// Unknown actions grant nothing.
pub fn operations_of_action(action: &str) -> &'static [&'static str] {
    match action {
        "addUserToGroup" => &["AdminAddUserToGroup"],
        "createUser" => &["AdminCreateUser"],
        "deleteUser" => &["AdminDeleteUser"],
        "deleteUserAttributes" => &["AdminDeleteUserAttributes"],
        "disableUser" => &["AdminDisableUser"],
        "enableUser" => &["AdminEnableUser"],
        "forgetDevice" => &["AdminForgetDevice"],
        "getDevice" => &["AdminGetDevice"],
        "getUser" => &["AdminGetUser"],
        "listDevices" => &["AdminListDevices"],
        "listGroupsForUser" => &["AdminListGroupsForUser"],
        "removeUserFromGroup" => &["AdminRemoveUserFromGroup"],
        "resetUserPassword" => &["AdminResetUserPassword"],
        "setUserMfaPreference" => &["AdminSetUserMFAPreference"],
        "setUserPassword" => &["AdminSetUserPassword"],
        "setUserSettings" => &["AdminSetUserSettings"],
        "updateDeviceStatus" => &["AdminUpdateDeviceStatus"],
        "updateUserAttributes" => &["AdminUpdateUserAttributes"],
        "createGroup" => &["CreateGroup"],
        "deleteGroup" => &["DeleteGroup"],
        "getGroup" => &["GetGroup"],
        "listGroups" => &["ListGroups"],
        "listUsers" => &["ListUsers"],
        "listUsersInGroup" => &["ListUsersInGroup"],
        "updateGroup" => &["UpdateGroup"],
        "manageUsers" => &[
            "AdminConfirmSignUp",
            "AdminCreateUser",
            "AdminDeleteUser",
            "AdminDeleteUserAttributes",
            "AdminDisableUser",
            "AdminEnableUser",
            "AdminGetUser",
            "AdminListGroupsForUser",
            "AdminRespondToAuthChallenge",
            "AdminSetUserMFAPreference",
            "AdminSetUserSettings",
            "AdminUpdateUserAttributes",
            "AdminUserGlobalSignOut",
        ],
        "manageGroupMembership" => &["AdminAddUserToGroup", "AdminRemoveUserFromGroup"],
        "manageGroups" => &[
            "CreateGroup",
            "DeleteGroup",
            "GetGroup",
            "ListGroups",
            "UpdateGroup",
        ],
        "manageUserDevices" => &[
            "AdminForgetDevice",
            "AdminGetDevice",
            "AdminListDevices",
            "AdminUpdateDeviceStatus",
        ],
        "managePasswordRecovery" => &["AdminResetUserPassword", "AdminSetUserPassword"],
        _ => &[],
    }
}

/// The Cognito operations each function may call, by function name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionAccess(BTreeMap<String, BTreeSet<&'static str>>);

impl FunctionAccess {
    /// From the definition's `access` grants.
    pub fn from_grants(grants: &[ResourceGrant]) -> Self {
        let mut out: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
        for grant in grants {
            let operations = out.entry(grant.resource.clone()).or_default();
            for action in &grant.actions {
                operations.extend(operations_of_action(action));
            }
        }
        FunctionAccess(out)
    }

    pub fn allows(&self, function: &str, operation: &str) -> bool {
        self.0
            .get(function)
            .is_some_and(|ops| ops.contains(operation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_grant_their_operations_only() {
        let access = FunctionAccess::from_grants(&[
            ResourceGrant {
                resource: "addToGroup".into(),
                actions: vec!["addUserToGroup".into()],
            },
            ResourceGrant {
                resource: "admin".into(),
                actions: vec!["manageUsers".into(), "listUsers".into()],
            },
        ]);
        assert!(access.allows("addToGroup", "AdminAddUserToGroup"));
        assert!(!access.allows("addToGroup", "AdminDeleteUser"));
        assert!(access.allows("admin", "AdminDeleteUser"));
        assert!(access.allows("admin", "ListUsers"));
        assert!(!access.allows("admin", "CreateGroup"));
        assert!(!access.allows("other", "ListUsers"));
    }
}
