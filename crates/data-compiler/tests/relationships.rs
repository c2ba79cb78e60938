//! Gen 1 relationship forms resolve to lookups the data service can run: which attribute
//! holds the foreign key and which index to query.

use ampbase_data_compiler::model::{FieldOrigin, RelationshipKind, Resolution};
use ampbase_data_compiler::{compile, AuthorizationConfig, CompileInput, DataModel};

fn model(sdl: &str) -> DataModel {
    let authorization = AuthorizationConfig::from_define_data_json(&serde_json::json!({"defaultAuthorizationMode": "apiKey"}), true).unwrap();
    compile(&CompileInput { sdl: vec![sdl.to_string()], authorization, function_names: Default::default() }).expect("compiles").model
}

fn resolution(data: &DataModel, model: &str, field: &str) -> Resolution {
    data.model(model).unwrap().field(field).unwrap().relationship.clone().unwrap().resolution
}

const BLOG: &str = r#"
type Blog @model @auth(rules: [{allow: public}]) { name: String posts: [Post] @hasMany settings: Settings @hasOne }
type Settings @model @auth(rules: [{allow: public}]) { theme: String }
type Post @model @auth(rules: [{allow: public}]) {
  id: ID! title: String blog: Blog @belongsTo
  comments: [Comment] @hasMany(indexName: "byPost", fields: ["id"])
  tags: [Tag] @manyToMany(relationName: "PostTags")
}
type Comment @model @auth(rules: [{allow: public}]) { postID: ID! @index(name: "byPost", sortKeyFields: ["content"]) content: String! post: Post @belongsTo(fields: ["postID"]) }
type Tag @model @auth(rules: [{allow: public}]) { label: String posts: [Post] @manyToMany(relationName: "PostTags") }
"#;

#[test]
fn implicit_has_many_and_belongs_to_share_the_connection_attribute() {
    let data = model(BLOG);
    let post = data.model("Post").unwrap();
    let key = post.field("blogPostsId").expect("connection attribute");
    assert_eq!(key.origin, FieldOrigin::ConnectionKey);
    assert_eq!(key.ty.to_string(), "ID");
    assert_eq!(
        resolution(&data, "Blog", "posts"),
        Resolution::Query { index: Some("gsi-Blog.posts".into()), key_fields: vec!["blogPostsId".into()], fields: vec!["id".into()] }
    );
    assert_eq!(resolution(&data, "Post", "blog"), Resolution::GetByKey { fields: vec!["blogPostsId".into()] });
}

#[test]
fn implicit_has_one_keeps_the_key_on_its_own_model() {
    let data = model(BLOG);
    assert_eq!(data.model("Blog").unwrap().field("blogSettingsId").unwrap().origin, FieldOrigin::ConnectionKey);
    assert_eq!(resolution(&data, "Blog", "settings"), Resolution::GetByKey { fields: vec!["blogSettingsId".into()] });
}

#[test]
fn has_many_with_fields_queries_the_named_index() {
    let data = model(BLOG);
    assert_eq!(
        resolution(&data, "Post", "comments"),
        Resolution::Query { index: Some("byPost".into()), key_fields: vec!["postID".into()], fields: vec!["id".into()] }
    );
    assert_eq!(resolution(&data, "Comment", "post"), Resolution::GetByKey { fields: vec!["postID".into()] });
}

#[test]
fn many_to_many_goes_through_a_join_model() {
    let data = model(BLOG);
    let join = data.model("PostTags").expect("join model");
    assert_eq!(join.join_of, Some(("Post".into(), "Tag".into())));
    assert!(join.field("postId").is_some() && join.field("tagId").is_some());
    assert_eq!(join.indexes.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["byPost", "byTag"]);
    let tags = data.model("Post").unwrap().field("tags").unwrap().relationship.clone().unwrap();
    assert_eq!(tags.kind, RelationshipKind::ManyToMany);
    assert_eq!(tags.target_model, "PostTags");
    assert_eq!(tags.resolution, Resolution::Query { index: Some("byPost".into()), key_fields: vec!["postId".into()], fields: vec!["id".into()] });
    assert_eq!(resolution(&data, "PostTags", "tag"), Resolution::GetByKey { fields: vec!["tagId".into()] });
}

#[test]
fn implicit_has_many_from_a_composite_key_model_gets_a_sort_key_argument() {
    let compiled = {
        let authorization = AuthorizationConfig::from_define_data_json(&serde_json::json!({"defaultAuthorizationMode": "apiKey"}), true).unwrap();
        compile(&CompileInput {
            sdl: vec![r#"
type Blog @model @auth(rules: [{allow: public}]) { name: String entries: [Entry] @hasMany }
type Entry @model @auth(rules: [{allow: public}]) { blogId: ID! @primaryKey(sortKeyFields: ["createdAt"]) createdAt: AWSDateTime! }
"#
            .to_string()],
            authorization,
            function_names: Default::default(),
        })
        .unwrap()
    };
    assert!(compiled.appsync_sdl.contains("entries(createdAt: ModelStringKeyConditionInput, filter: ModelEntryFilterInput"), "{}", compiled.appsync_sdl);
    assert!(compiled.model.model("Entry").unwrap().field("blogEntriesId").is_some());
}
