//! The `access` rules of `defineStorage`, protocol-free: who may do what under which path.
//!
//! Semantics, from the Storage authorization page of the Amplify Gen 2 documentation:
//!
//! * A rule path ends with `/*` and grants its rules to every key under it
//!   (`media/*` covers `media/a.jpg` and `media/x/y.jpg`).
//! * **The most specific matching path decides, alone.** A sub-path's rules replace its parent's
//!   (`media/*` and `media/albums/*`: a key under `media/albums/` is governed only by
//!   `media/albums/*`); nothing is inherited.
//! * `{entity_id}` stands for one path segment. `allow.entity('identity')` applies when that
//!   segment is the caller's identity-pool identity id; the path's other rules apply whatever
//!   the segment is.
//! * Principals: `guest` (an unauthenticated identity), `authenticated` (any signed-in identity,
//!   group members included), `groups([...])` (an authenticated identity in one of the groups),
//!   `entity('identity')`, `resource(fn)` (the function's role). An administrator may do
//!   anything; any other caller is denied.
//! * Actions: `read` = `get` + `list`, `get`, `list`, `write`, `delete`.
//! * Deny by default: a key no path covers, or a path without a rule for the caller, is denied.
//!
//! A listing of prefix `P` is decided like a key `P` (this is what the `s3:prefix` conditions of
//! the IAM policies Amplify generates amount to: `media/*` permits prefixes `media/` and
//! `media/…`, and its sub-paths' deny statements carve out theirs), and the service also drops
//! from the listing every key and common prefix the caller may not list.
//!
//! Two documented differences from AWS, both in the direction users expect: on AWS a user in a
//! Cognito group assumes the group's role and loses what `authenticated` grants (here group
//! members keep it); and on AWS `getProperties` (HeadObject) needs `get` although the
//! documentation lists it under `list` (here either suffices).

use std::collections::BTreeMap;
use std::fmt;

use ampbase_core::{Caller, IamPrincipal};
use ampbase_definition::{StorageDefinition, StorageRule};

/// The token that stands for one path segment.
pub const ENTITY_TOKEN: &str = "{entity_id}";

/// One of the actions `defineStorage` grants (`read` is `Get` + `List`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// GetObject (`getUrl`, `downloadData`), and HeadObject.
    Get,
    /// ListObjects (`list`), and HeadObject (`getProperties`).
    List,
    /// PutObject, multipart uploads, the destination of a copy.
    Write,
    /// DeleteObject(s).
    Delete,
}

impl Action {
    const fn bit(self) -> u8 {
        match self {
            Action::Get => 1,
            Action::List => 2,
            Action::Write => 4,
            Action::Delete => 8,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Get => "get",
            Action::List => "list",
            Action::Write => "write",
            Action::Delete => "delete",
        }
    }
}

/// A set of actions.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Actions(u8);

impl Actions {
    pub const NONE: Actions = Actions(0);
    pub const ALL: Actions = Actions(15);

    pub fn contains(self, action: Action) -> bool {
        self.0 & action.bit() != 0
    }

    pub fn with(self, action: Action) -> Actions {
        Actions(self.0 | action.bit())
    }

    fn union(self, other: Actions) -> Actions {
        Actions(self.0 | other.0)
    }

    /// Parses the action names of `allow.*.to([...])`.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Actions, String> {
        let mut set = Actions::NONE;
        let mut read = false;
        let mut get_or_list = false;
        for name in names {
            set = match name.as_ref() {
                "read" => {
                    read = true;
                    set.with(Action::Get).with(Action::List)
                }
                "get" => {
                    get_or_list = true;
                    set.with(Action::Get)
                }
                "list" => {
                    get_or_list = true;
                    set.with(Action::List)
                }
                "write" => set.with(Action::Write),
                "delete" => set.with(Action::Delete),
                other => {
                    return Err(format!(
                        "unknown storage action '{other}' (expected read, get, list, write or delete)"
                    ));
                }
            };
        }
        if read && get_or_list {
            return Err(
                "'read' is 'get' and 'list' together and cannot be combined with them".into(),
            );
        }
        Ok(set)
    }
}

impl fmt::Debug for Actions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [Action::Get, Action::List, Action::Write, Action::Delete]
            .into_iter()
            .filter(|a| self.contains(*a))
            .map(Action::as_str)
            .collect();
        write!(f, "{names:?}")
    }
}

/// Who a rule grants to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Guest,
    Authenticated,
    Groups(Vec<String>),
    /// `allow.entity('identity')`: the identity whose id is the path's `{entity_id}`.
    Identity,
    /// `allow.resource(fn)`: the function's role.
    Resource(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Grant {
    principal: Principal,
    actions: Actions,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Entity,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PathRule {
    /// As written (`media/{entity_id}/*`).
    pattern: String,
    /// The pattern without its `*`, split at the token.
    segments: Vec<Segment>,
    /// Slash count: a sub-path has more than its parent.
    depth: usize,
    grants: Vec<Grant>,
}

impl PathRule {
    /// Whether `key` lies under this path; `Some(entity)` with the `{entity_id}` segment's
    /// value (empty when the pattern has no token).
    fn matches<'k>(&self, key: &'k str) -> Option<&'k str> {
        let mut rest = key;
        let mut entity = "";
        for segment in &self.segments {
            match segment {
                Segment::Literal(lit) => rest = rest.strip_prefix(lit.as_str())?,
                Segment::Entity => {
                    let end = rest.find('/')?;
                    if end == 0 {
                        return None;
                    }
                    entity = &rest[..end];
                    rest = &rest[end..];
                }
            }
        }
        Some(entity)
    }

    fn has_entity(&self) -> bool {
        self.segments.contains(&Segment::Entity)
    }

    /// Whether a rule other than `entity` lets `principal` list this path, whatever the
    /// `{entity_id}` segment is.
    fn grants_list_to_all_entities(&self, principal: &IamPrincipal) -> bool {
        self.grants.iter().any(|grant| {
            grant.actions.contains(Action::List)
                && match (&grant.principal, principal) {
                    (Principal::Guest, IamPrincipal::Guest { .. }) => true,
                    (Principal::Authenticated, IamPrincipal::Authenticated { .. }) => true,
                    (Principal::Groups(wanted), IamPrincipal::Authenticated { groups, .. }) => {
                        wanted.iter().any(|g| groups.contains(g))
                    }
                    (Principal::Resource(name), IamPrincipal::Function { name: caller_fn }) => {
                        name == caller_fn
                    }
                    _ => false,
                }
        })
    }
}

/// An invalid `access` definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage access path '{path}': {message}")]
pub struct RuleError {
    pub path: String,
    pub message: String,
}

/// The compiled `access` of one `defineStorage`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessRules {
    /// Most specific first.
    paths: Vec<PathRule>,
}

impl AccessRules {
    /// No paths: only administrators may do anything.
    pub fn deny_all() -> AccessRules {
        AccessRules::default()
    }

    pub fn from_definition(def: &StorageDefinition) -> Result<AccessRules, RuleError> {
        AccessRules::new(&def.access)
    }

    /// Compiles and validates path → rules, with the documented path rules (and those of
    /// Amplify's validator): no leading `/`, every path ends with `/*`, one `*` only, no `//`,
    /// at most one `{entity_id}`, as the whole path part right before the ending wildcard, at
    /// most one other path along any path, and no path a prefix of a path with `{entity_id}`.
    pub fn new(access: &BTreeMap<String, Vec<StorageRule>>) -> Result<AccessRules, RuleError> {
        let mut paths = Vec::with_capacity(access.len());
        for (pattern, rules) in access {
            let err = |message: String| RuleError {
                path: pattern.clone(),
                message,
            };
            if pattern.starts_with('/') {
                return Err(err("paths cannot start with '/'".into()));
            }
            let Some(base) = pattern.strip_suffix("/*") else {
                return Err(err("paths must end with '/*'".into()));
            };
            if base.is_empty() || base.contains('*') {
                return Err(err("'*' is only allowed once, at the end of a path".into()));
            }
            if base.contains("//") {
                return Err(err("paths cannot contain '//'".into()));
            }
            let base = format!("{base}/");
            let mut segments = Vec::new();
            let mut parts = base.split(ENTITY_TOKEN);
            let first = parts.next().unwrap_or_default();
            if !first.is_empty() {
                segments.push(Segment::Literal(first.to_string()));
            }
            for (i, part) in parts.enumerate() {
                if i > 0 {
                    return Err(err(format!("'{ENTITY_TOKEN}' may appear only once")));
                }
                let prev_ok = segments.is_empty()
                    || matches!(segments.last(), Some(Segment::Literal(l)) if l.ends_with('/'));
                if !prev_ok {
                    return Err(err(format!(
                        "a path part with '{ENTITY_TOKEN}' cannot include any other characters"
                    )));
                }
                if part != "/" {
                    return Err(err(format!(
                        "'{ENTITY_TOKEN}' must be the path part right before the ending wildcard"
                    )));
                }
                segments.push(Segment::Entity);
                segments.push(Segment::Literal(part.to_string()));
            }
            let mut grants = Vec::with_capacity(rules.len());
            for rule in rules {
                let principal = match rule.principal.as_str() {
                    "guest" => Principal::Guest,
                    "authenticated" => Principal::Authenticated,
                    "groups" | "group" => Principal::Groups(rule.groups.clone()),
                    "entity" | "owner" => {
                        match rule.entity.as_deref() {
                            None | Some("identity") => {}
                            Some(other) => {
                                return Err(err(format!(
                                    "unknown entity '{other}' (only 'identity')"
                                )));
                            }
                        }
                        Principal::Identity
                    }
                    "resource" | "function" => {
                        Principal::Resource(rule.resource.clone().unwrap_or_default())
                    }
                    other => return Err(err(format!("unknown principal '{other}'"))),
                };
                let actions = Actions::parse(&rule.actions).map_err(err)?;
                grants.push(Grant { principal, actions });
            }
            paths.push(PathRule {
                depth: base.matches('/').count(),
                pattern: pattern.clone(),
                segments,
                grants,
            });
        }
        // Path relations, with the token kept literally.
        for p in &paths {
            let p_base = &p.pattern[..p.pattern.len() - 1];
            let ancestors: Vec<&PathRule> = paths
                .iter()
                .filter(|q| {
                    q.pattern != p.pattern && p_base.starts_with(&q.pattern[..q.pattern.len() - 1])
                })
                .collect();
            if ancestors.len() > 1 {
                return Err(RuleError {
                    path: p.pattern.clone(),
                    message:
                        "only one level of nesting is allowed: two other paths are along this one"
                            .into(),
                });
            }
            if p.has_entity()
                && let Some(q) = ancestors.first()
            {
                return Err(RuleError {
                    path: p.pattern.clone(),
                    message: format!(
                        "'{}' is a prefix of a path with '{ENTITY_TOKEN}'",
                        q.pattern
                    ),
                });
            }
        }
        // Deeper first; at equal depth a literal segment beats the token.
        paths.sort_by(|a, b| {
            b.depth
                .cmp(&a.depth)
                .then(a.has_entity().cmp(&b.has_entity()))
                .then(b.pattern.len().cmp(&a.pattern.len()))
        });
        Ok(AccessRules { paths })
    }

    /// The path patterns, most specific first.
    pub fn patterns(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(|p| p.pattern.as_str())
    }

    /// The pattern that governs `key` (the most specific one it lies under).
    pub fn governing_path(&self, key: &str) -> Option<&str> {
        self.governing(key).map(|(p, _)| p.pattern.as_str())
    }

    fn governing<'k>(&self, key: &'k str) -> Option<(&PathRule, &'k str)> {
        self.paths
            .iter()
            .find_map(|p| p.matches(key).map(|entity| (p, entity)))
    }

    /// What `caller` may do with `key` (or, for [`Action::List`], with the prefix `key`).
    pub fn actions(&self, caller: &Caller, key: &str) -> Actions {
        let principal = match caller {
            Caller::Iam(IamPrincipal::Admin) => return Actions::ALL,
            Caller::Iam(p) => p,
            _ => return Actions::NONE,
        };
        let Some((path, entity)) = self.governing(key) else {
            return Actions::NONE;
        };
        let mut granted = Actions::NONE;
        for grant in &path.grants {
            let applies = match (&grant.principal, principal) {
                (Principal::Guest, IamPrincipal::Guest { .. }) => true,
                (Principal::Authenticated, IamPrincipal::Authenticated { .. }) => true,
                (Principal::Groups(wanted), IamPrincipal::Authenticated { groups, .. }) => {
                    wanted.iter().any(|g| groups.contains(g))
                }
                (Principal::Identity, IamPrincipal::Authenticated { identity_id, .. }) => {
                    path.has_entity() && !identity_id.is_empty() && entity == identity_id
                }
                (Principal::Resource(name), IamPrincipal::Function { name: caller_fn }) => {
                    name == caller_fn
                }
                _ => false,
            };
            if applies {
                granted = granted.union(grant.actions);
            }
        }
        granted
    }

    /// Whether `caller` may do `action` on `key`.
    pub fn allows(&self, caller: &Caller, action: Action, key: &str) -> bool {
        self.actions(caller, key).contains(action)
    }

    /// Whether `caller` may list the prefix `prefix`.
    ///
    /// Besides what governs the prefix as a key: the folder above an `{entity_id}` token
    /// (`protected/`, or a partial id `protected/us-east-1:a`) may be listed by whoever a
    /// rule other than `entity` lets list that path. Amplify's policies put `*` for the token
    /// in those rules (`protected/*` in `amplify_outputs.json`), so on AWS every signed-in
    /// user lists `protected/`; the keys under it are then filtered per identity folder.
    pub fn allows_list(&self, caller: &Caller, prefix: &str) -> bool {
        if self.allows(caller, Action::List, prefix) {
            return true;
        }
        let Caller::Iam(principal) = caller else {
            return false;
        };
        if self.governing(prefix).is_some() {
            return false;
        }
        self.paths.iter().any(|path| {
            let Some(Segment::Literal(head)) = path.segments.first() else {
                // `{entity_id}/*`: the head is the bucket's root.
                return path.segments.first() == Some(&Segment::Entity)
                    && !prefix.contains('/')
                    && path.grants_list_to_all_entities(principal);
            };
            path.segments.get(1) == Some(&Segment::Entity)
                && prefix
                    .strip_prefix(head.as_str())
                    .is_some_and(|partial_id| !partial_id.contains('/'))
                && path.grants_list_to_all_entities(principal)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(access: serde_json::Value) -> AccessRules {
        try_rules(access).unwrap()
    }

    fn try_rules(access: serde_json::Value) -> Result<AccessRules, RuleError> {
        let def: StorageDefinition =
            serde_json::from_value(json!({ "name": "s", "access": access })).unwrap();
        AccessRules::from_definition(&def)
    }

    fn r(principal: &str, actions: &[&str]) -> serde_json::Value {
        json!({ "principal": principal, "actions": actions })
    }
    fn groups(gs: &[&str], actions: &[&str]) -> serde_json::Value {
        json!({ "principal": "groups", "groups": gs, "actions": actions })
    }
    fn entity(actions: &[&str]) -> serde_json::Value {
        json!({ "principal": "entity", "entity": "identity", "actions": actions })
    }
    fn resource(name: &str, actions: &[&str]) -> serde_json::Value {
        json!({ "principal": "resource", "resource": name, "actions": actions })
    }

    fn guest() -> Caller {
        Caller::Iam(IamPrincipal::Guest {
            identity_id: "us-east-1:guest-1".into(),
        })
    }
    fn user(id: &str, gs: &[&str]) -> Caller {
        Caller::Iam(IamPrincipal::Authenticated {
            identity_id: id.into(),
            sub: format!("sub-{id}"),
            username: format!("user-{id}"),
            groups: gs.iter().map(|g| g.to_string()).collect(),
        })
    }
    fn function(name: &str) -> Caller {
        Caller::Iam(IamPrincipal::Function { name: name.into() })
    }
    fn admin() -> Caller {
        Caller::Iam(IamPrincipal::Admin)
    }

    fn can(rules: &AccessRules, caller: &Caller, key: &str) -> String {
        let a = rules.actions(caller, key);
        let mut s = String::new();
        for (action, c) in [
            (Action::Get, 'g'),
            (Action::List, 'l'),
            (Action::Write, 'w'),
            (Action::Delete, 'd'),
        ] {
            if a.contains(action) {
                s.push(c);
            }
        }
        s
    }

    #[test]
    fn guest_read_media() {
        let rules = rules(json!({ "media/*": [r("guest", &["read"])] }));
        assert_eq!(can(&rules, &guest(), "media/a.jpg"), "gl");
        assert_eq!(can(&rules, &guest(), "media/x/y/z.jpg"), "gl");
        assert_eq!(can(&rules, &guest(), "other/a.jpg"), "");
        assert_eq!(can(&rules, &guest(), "mediax/a.jpg"), "");
        assert_eq!(can(&rules, &guest(), "media"), "");
        // An authenticated user is not a guest.
        assert_eq!(can(&rules, &user("u1", &[]), "media/a.jpg"), "");
        assert!(rules.allows_list(&guest(), "media/"));
        assert!(rules.allows_list(&guest(), "media/sub"));
        assert!(!rules.allows_list(&guest(), ""));
        assert!(!rules.allows_list(&guest(), "med"));
    }

    /// The access-control matrix of the documentation's "no inheritance" example.
    #[test]
    fn sub_paths_override_their_parent() {
        let rules = rules(json!({
            "media/*": [r("authenticated", &["read", "write", "delete"])],
            "media/profile-pictures/*": [r("guest", &["read"])],
            "media/albums/*": [r("authenticated", &["read"])],
            "other/*": [r("guest", &["read"]), r("authenticated", &["read", "write"])],
        }));
        let u = user("u1", &[]);
        let g = guest();
        assert_eq!(can(&rules, &u, "media/a.txt"), "glwd");
        assert_eq!(can(&rules, &u, "media/profile-pictures/me.png"), "");
        assert_eq!(can(&rules, &u, "media/albums/2024/x.png"), "gl");
        assert_eq!(can(&rules, &u, "other/x"), "glw");
        assert_eq!(can(&rules, &g, "media/a.txt"), "");
        assert_eq!(can(&rules, &g, "media/profile-pictures/me.png"), "gl");
        assert_eq!(can(&rules, &g, "media/albums/x.png"), "");
        assert_eq!(can(&rules, &g, "other/x"), "gl");
        // A key that only shares a name prefix with a sub-path stays under the parent.
        assert_eq!(can(&rules, &u, "media/albums-old/x"), "glwd");
        assert_eq!(
            rules.governing_path("media/albums/x"),
            Some("media/albums/*")
        );
        assert_eq!(rules.governing_path("media/albumsx"), Some("media/*"));
        // Listing the sub-path's prefix follows the sub-path.
        assert!(!rules.allows_list(&u, "media/profile-pictures/"));
        assert!(rules.allows_list(&u, "media/"));
        assert!(rules.allows_list(&g, "media/profile-pictures/"));
        assert!(!rules.allows_list(&g, "media/"));
    }

    /// The Gen 1 public / protected / private pattern.
    #[test]
    fn gen1_access_levels() {
        let rules = rules(json!({
            "public/*": [r("guest", &["read"]), r("authenticated", &["read", "write", "delete"])],
            "protected/{entity_id}/*": [r("authenticated", &["read"]), entity(&["read", "write", "delete"])],
            "private/{entity_id}/*": [entity(&["read", "write", "delete"])],
        }));
        let alice = user("us-east-1:alice", &[]);
        let bob = user("us-east-1:bob", &[]);
        let g = guest();
        assert_eq!(can(&rules, &g, "public/a"), "gl");
        assert_eq!(can(&rules, &alice, "public/a"), "glwd");
        assert_eq!(
            can(&rules, &alice, "protected/us-east-1:alice/a.txt"),
            "glwd"
        );
        assert_eq!(can(&rules, &bob, "protected/us-east-1:alice/a.txt"), "gl");
        assert_eq!(can(&rules, &g, "protected/us-east-1:alice/a.txt"), "");
        assert_eq!(
            can(&rules, &alice, "private/us-east-1:alice/deep/a.txt"),
            "glwd"
        );
        assert_eq!(can(&rules, &bob, "private/us-east-1:alice/a.txt"), "");
        // The entity segment is exactly one segment, and must be present.
        assert_eq!(can(&rules, &alice, "private/us-east-1:alice"), "");
        assert_eq!(can(&rules, &alice, "private//a"), "");
        assert_eq!(can(&rules, &alice, "private/us-east-1:alicex/a"), "");
        // Listing: one's own folder, not the parent.
        assert!(rules.allows_list(&alice, "private/us-east-1:alice/"));
        assert!(rules.allows_list(&alice, "private/us-east-1:alice/photos/"));
        assert!(!rules.allows_list(&alice, "private/"));
        assert!(!rules.allows_list(&alice, "private/us-east-1:al"));
        assert!(rules.allows_list(&bob, "protected/us-east-1:alice/"));
        // `protected/*` for authenticated users, as the outputs and AWS's policies say.
        assert!(rules.allows_list(&bob, "protected/"));
        assert!(rules.allows_list(&bob, "protected/us-east-1:al"));
        assert!(!rules.allows_list(&g, "protected/"));
        assert!(!rules.allows_list(&bob, "private/"));
        assert!(!rules.allows_list(&bob, "protected"));
    }

    /// The set-up page's photo-sharing example.
    #[test]
    fn profile_pictures_example() {
        let rules = rules(json!({
            "profile-pictures/{entity_id}/*": [r("guest", &["read"]), entity(&["read", "write", "delete"])],
            "picture-submissions/*": [r("authenticated", &["read", "write"]), r("guest", &["read", "write"])],
        }));
        let alice = user("id-alice", &[]);
        assert_eq!(
            can(&rules, &guest(), "profile-pictures/id-alice/me.png"),
            "gl"
        );
        assert_eq!(
            can(&rules, &alice, "profile-pictures/id-alice/me.png"),
            "glwd"
        );
        assert_eq!(
            can(
                &rules,
                &user("id-bob", &[]),
                "profile-pictures/id-alice/me.png"
            ),
            ""
        );
        assert_eq!(can(&rules, &guest(), "picture-submissions/x.png"), "glw");
        // Guests browse everyone's profile pictures: the folder above the ids lists.
        assert!(rules.allows_list(&guest(), "profile-pictures/"));
        assert!(rules.allows_list(&guest(), "profile-pictures/id-alice/"));
        assert!(!rules.allows_list(&user("id-bob", &[]), "profile-pictures/"));
        assert_eq!(can(&rules, &alice, "picture-submissions/x.png"), "glw");
    }

    #[test]
    fn groups_and_functions() {
        let rules = rules(json!({
            "drafts/*": [groups(&["EDITORS"], &["read", "write"])],
            "reports/*": [resource("generateMonthlyReports", &["read", "write", "delete"])],
            "admin/*": [groups(&["ADMINS", "OWNERS"], &["get", "delete"])],
        }));
        assert_eq!(can(&rules, &user("a", &["EDITORS"]), "drafts/d1"), "glw");
        assert_eq!(can(&rules, &user("a", &["READERS"]), "drafts/d1"), "");
        assert_eq!(can(&rules, &user("a", &[]), "drafts/d1"), "");
        assert_eq!(can(&rules, &guest(), "drafts/d1"), "");
        assert_eq!(can(&rules, &user("a", &["OWNERS"]), "admin/x"), "gd");
        assert_eq!(
            can(
                &rules,
                &function("generateMonthlyReports"),
                "reports/2024-01.csv"
            ),
            "glwd"
        );
        assert_eq!(can(&rules, &function("other"), "reports/2024-01.csv"), "");
        assert_eq!(
            can(&rules, &function("generateMonthlyReports"), "drafts/d1"),
            ""
        );
    }

    #[test]
    fn get_and_list_separately() {
        let rules = rules(json!({
            "a/*": [r("guest", &["get"])],
            "b/*": [r("guest", &["list"])],
            "c/*": [r("guest", &["write"]), r("guest", &["delete"])],
        }));
        assert_eq!(can(&rules, &guest(), "a/x"), "g");
        assert_eq!(can(&rules, &guest(), "b/x"), "l");
        assert_eq!(can(&rules, &guest(), "c/x"), "wd");
        assert!(!rules.allows_list(&guest(), "a/"));
    }

    #[test]
    fn admin_may_do_anything_and_others_nothing() {
        let rules = AccessRules::deny_all();
        assert_eq!(can(&rules, &admin(), "any/key"), "glwd");
        assert!(rules.allows_list(&admin(), ""));
        assert_eq!(can(&rules, &guest(), "any/key"), "");
        let rules = rules_with_everything();
        assert_eq!(can(&rules, &Caller::ApiKey, "media/x"), "");
    }

    fn rules_with_everything() -> AccessRules {
        rules(
            json!({ "media/*": [r("guest", &["read", "write", "delete"]), r("authenticated", &["read", "write", "delete"])] }),
        )
    }

    #[test]
    fn entity_rule_does_not_apply_to_guests() {
        let rules = rules(json!({ "u/{entity_id}/*": [entity(&["read", "write"])] }));
        let g = Caller::Iam(IamPrincipal::Guest {
            identity_id: "gid".into(),
        });
        assert_eq!(can(&rules, &g, "u/gid/x"), "");
        assert_eq!(can(&rules, &user("gid", &[]), "u/gid/x"), "glw");
    }

    #[test]
    fn entity_token_only_right_before_the_wildcard() {
        let ok = |v| try_rules(v).is_ok();
        let e = || json!([entity(&["read"])]);
        assert!(!ok(json!({ "users/{entity_id}/public/*": e() })));
        assert!(!ok(
            json!({ "users/{entity_id}/*": e(), "users/{entity_id}/public/*": e() })
        ));
        assert!(ok(
            json!({ "users/{entity_id}/*": e(), "users/public/*": e() })
        ));
        let rules =
            rules(json!({ "users/{entity_id}/*": e(), "users/public/*": [r("guest", &["read"])] }));
        // A literal sibling segment is more specific than the token.
        assert_eq!(can(&rules, &user("public", &[]), "users/public/x"), "");
        assert_eq!(can(&rules, &guest(), "users/public/x"), "gl");
        assert_eq!(can(&rules, &user("alice", &[]), "users/alice/x"), "gl");
    }

    #[test]
    fn validation_follows_the_documented_path_rules() {
        let ok = |v| try_rules(v).is_ok();
        let g = || json!([r("guest", &["read"])]);
        assert!(!ok(json!({ "/media/*": g() })));
        assert!(!ok(json!({ "media/": g() })));
        assert!(!ok(json!({ "media": g() })));
        assert!(!ok(json!({ "media/*/x/*": g() })));
        assert!(!ok(json!({ "*": g() })));
        assert!(!ok(json!({ "media//x/*": g() })));
        // One level of nesting only.
        assert!(ok(json!({ "media/*": g(), "media/albums/*": g() })));
        assert!(!ok(
            json!({ "media/*": g(), "media/albums/*": g(), "media/albums/photos/*": g() })
        ));
        // Siblings are fine.
        assert!(ok(
            json!({ "media/*": g(), "media/a/*": g(), "media/b/*": g() })
        ));
        // Wildcards cannot conflict with the token; no prefix of a path with the token.
        assert!(!ok(json!({ "media/*": g(), "media/{entity_id}/*": g() })));
        assert!(!ok(
            json!({ "media/*": g(), "media/albums/{entity_id}/*": g() })
        ));
        assert!(ok(json!({ "media/{entity_id}/*": g(), "other/*": g() })));
        // The token is a whole segment, once.
        assert!(!ok(json!({ "media/x{entity_id}/*": g() })));
        assert!(!ok(json!({ "media/{entity_id}x/*": g() })));
        assert!(!ok(json!({ "a/{entity_id}/{entity_id}/*": g() })));
        assert!(ok(json!({ "{entity_id}/*": g() })));
        // Actions.
        assert!(!ok(json!({ "m/*": [r("guest", &["read", "get"])] })));
        assert!(!ok(json!({ "m/*": [r("guest", &["fly"])] })));
        assert!(!ok(json!({ "m/*": [r("martian", &["read"])] })));
        let e = try_rules(json!({ "/m/*": g() })).unwrap_err();
        assert!(e.to_string().contains("/m/*"), "{e}");
    }

    #[test]
    fn leading_token_path() {
        let rules = rules(json!({ "{entity_id}/*": [entity(&["read", "write"])] }));
        assert_eq!(can(&rules, &user("me", &[]), "me/a"), "glw");
        assert_eq!(can(&rules, &user("me", &[]), "you/a"), "");
    }
}
