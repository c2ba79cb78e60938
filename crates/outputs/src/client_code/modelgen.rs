//! `--format modelgen` for the `javascript` and `typescript` model targets: the DataStore
//! model files `@aws-amplify/appsync-modelgen-plugin` 2.15 writes (`generateModels` of
//! `@aws-amplify/graphql-generator` 0.5 with ampx's defaults).
//!
//! The plugin's processed model (ids, timestamps, foreign keys, key and auth attributes,
//! associations) is what `model_introspection` already holds: the DataStore `schema`
//! is that document without `primaryKeyInfo`, the custom operations and the empty
//! `targetNames` of `HAS_ONE`, with `codegenVersion` and the plugin's `version` hash. The
//! model schema (directive SDL) supplies what the introspection does not keep: whether an
//! `id` key is declared (`OptionallyManagedIdentifier`) and the relational directives the
//! hash covers.

use std::collections::HashMap;

use async_graphql_parser::types::{TypeKind, TypeSystemDefinition};
use async_graphql_value::ConstValue;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{GeneratedFile, ModelTarget};
use crate::OutputsError;

const CODEGEN_VERSION: &str = "3.4.4";

pub(super) fn generate(
    model_schema: &str,
    mi: &Value,
    target: ModelTarget,
) -> Result<Vec<GeneratedFile>, OutputsError> {
    let sdl = SdlInfo::parse(model_schema)?;
    let model = Processed::from_introspection(mi, &sdl)?;
    let schema = model.metadata(mi, &sdl);
    Ok(match target {
        ModelTarget::Javascript => vec![
            file("index.js", model.javascript_implementation()),
            file("index.d.ts", model.declarations(Flavor::Declaration)),
            file(
                "schema.js",
                format!("export const schema = {};", pretty4(&schema)),
            ),
            file(
                "schema.d.ts",
                "import { Schema } from '@aws-amplify/datastore';\n\nexport declare const schema: Schema;".into(),
            ),
        ],
        ModelTarget::Typescript => vec![
            file("index.ts", model.declarations(Flavor::TypeScript)),
            file(
                "schema.ts",
                format!(
                    "import {{ Schema }} from \"@aws-amplify/datastore\";\n\nexport const schema: Schema = {};",
                    pretty4(&schema)
                ),
            ),
        ],
        other => {
            return Err(OutputsError::Unsupported(format!(
                "modelgen for model target `{}`",
                format!("{other:?}").to_lowercase()
            )));
        }
    })
}

fn file(path: &str, contents: String) -> GeneratedFile {
    GeneratedFile {
        path: path.into(),
        contents,
    }
}

fn pretty4(v: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    v.serialize(&mut ser).expect("JSON serialises");
    String::from_utf8(buf).expect("JSON is UTF-8")
}

// ---------------------------------------------------------------------------------------
// What the model schema adds
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct SdlInfo {
    /// Model → field → relational directives (name, arguments as JSON).
    relations: HashMap<String, HashMap<String, Vec<(String, Value)>>>,
    /// Model → model-level `@primaryKey`/`@index` directives.
    model_keys: HashMap<String, Vec<(String, Value)>>,
    /// Models whose `@primaryKey` is on a field (custom primary key declared).
    primary_key_declared: HashMap<String, bool>,
    /// Models whose field directives the plugin has walked (`flattenFieldDirectives`)
    /// before hashing, which tags each directive with its `fieldName`: those with a
    /// declared primary key, and the related side of a `belongsTo`, a `manyToMany`, or a
    /// `hasOne`/`hasMany` on `fields` or `references`.
    flattened: std::collections::HashSet<String>,
}

impl SdlInfo {
    fn parse(sdl: &str) -> Result<SdlInfo, OutputsError> {
        let doc = async_graphql_parser::parse_schema(sdl)
            .map_err(|e| OutputsError::Schema(e.to_string()))?;
        let mut info = SdlInfo::default();
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else {
                continue;
            };
            let t = t.node;
            let name = t.name.node.to_string();
            let keys: Vec<(String, Value)> = t
                .directives
                .iter()
                .filter(|d| matches!(d.node.name.node.as_str(), "primaryKey" | "index"))
                .map(|d| directive_json(&d.node))
                .collect();
            info.model_keys
                .entry(name.clone())
                .or_default()
                .extend(keys);
            let TypeKind::Object(o) = t.kind else {
                continue;
            };
            let fields = info.relations.entry(name.clone()).or_default();
            for f in o.fields {
                let f = f.node;
                if f.directives
                    .iter()
                    .any(|d| d.node.name.node.as_str() == "primaryKey")
                {
                    info.primary_key_declared.insert(name.clone(), true);
                }
                let rel: Vec<(String, Value)> = f
                    .directives
                    .iter()
                    .filter(|d| {
                        matches!(
                            d.node.name.node.as_str(),
                            "hasOne" | "belongsTo" | "hasMany" | "manyToMany"
                        )
                    })
                    .map(|d| directive_json(&d.node))
                    .collect();
                let target = super::named(&f.ty.node).to_string();
                for (n, args) in &rel {
                    let walks = match n.as_str() {
                        "belongsTo" | "manyToMany" => true,
                        _ => args.get("fields").is_some() || args.get("references").is_some(),
                    };
                    if walks {
                        info.flattened.insert(target.clone());
                    }
                    if n == "manyToMany" {
                        info.flattened.insert(name.clone());
                    }
                }
                fields.insert(f.name.node.to_string(), rel);
            }
        }
        let declared: Vec<String> = info.primary_key_declared.keys().cloned().collect();
        info.flattened.extend(declared);
        Ok(info)
    }
}

fn directive_json(d: &async_graphql_parser::types::ConstDirective) -> (String, Value) {
    let mut args = Map::new();
    for (k, v) in &d.arguments {
        args.insert(k.node.to_string(), const_json(&v.node));
    }
    (d.name.node.to_string(), Value::Object(args))
}

fn const_json(v: &ConstValue) -> Value {
    match v {
        ConstValue::Null => Value::Null,
        ConstValue::Number(n) => Value::Number(n.clone()),
        ConstValue::String(s) => Value::String(s.clone()),
        ConstValue::Boolean(b) => Value::Bool(*b),
        ConstValue::Binary(_) => Value::Null,
        ConstValue::Enum(e) => Value::String(e.to_string()),
        ConstValue::List(l) => Value::Array(l.iter().map(const_json).collect()),
        ConstValue::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.to_string(), const_json(v)))
                .collect(),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// The processed model, from model_introspection
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeRef {
    Scalar,
    Model,
    Enum,
    NonModel,
}

#[derive(Debug, Clone)]
struct Field {
    name: String,
    type_name: String,
    kind: TypeRef,
    is_list: bool,
    is_nullable: bool,
    is_list_nullable: Option<bool>,
    is_read_only: bool,
    association: Option<Value>,
}

#[derive(Debug, Clone)]
struct Type {
    name: String,
    fields: Vec<Field>,
    /// `ManagedIdentifier<…>` and the like (models only).
    identifier: Option<(&'static str, String)>,
    /// The primary key and sort key fields.
    key_fields: Vec<String>,
}

struct Processed {
    models: Vec<Type>,
    non_models: Vec<Type>,
    enums: Vec<(String, Vec<String>)>,
}

fn bad(what: &str) -> OutputsError {
    OutputsError::Schema(format!("model introspection: {what}"))
}

impl Processed {
    fn from_introspection(mi: &Value, sdl: &SdlInfo) -> Result<Processed, OutputsError> {
        let section = |key: &str| {
            mi.get(key)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let types = |obj: &Map<String, Value>, models: bool| -> Result<Vec<Type>, OutputsError> {
            obj.values()
                .map(|t| {
                    let name = t["name"]
                        .as_str()
                        .ok_or_else(|| bad("type without name"))?
                        .to_string();
                    let fields = t["fields"]
                        .as_object()
                        .ok_or_else(|| bad("type without fields"))?
                        .values()
                        .map(Field::from_introspection)
                        .collect::<Result<Vec<_>, _>>()?;
                    let identifier = models
                        .then(|| identifier(&name, t.get("primaryKeyInfo"), sdl))
                        .flatten();
                    let pk = t.get("primaryKeyInfo");
                    let key_fields = std::iter::once(
                        pk.and_then(|p| p["primaryKeyFieldName"].as_str())
                            .unwrap_or("id"),
                    )
                    .chain(
                        pk.and_then(|p| p["sortKeyFieldNames"].as_array())
                            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
                            .unwrap_or_default(),
                    )
                    .map(String::from)
                    .collect();
                    Ok(Type {
                        name,
                        fields,
                        identifier,
                        key_fields,
                    })
                })
                .collect()
        };
        let enums = section("enums")
            .values()
            .map(|e| {
                (
                    e["name"].as_str().unwrap_or_default().to_string(),
                    e["values"]
                        .as_array()
                        .map(|v| {
                            v.iter()
                                .filter_map(|s| s.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default(),
                )
            })
            .collect();
        Ok(Processed {
            models: types(&section("models"), true)?,
            non_models: types(&section("nonModels"), false)?,
            enums,
        })
    }

    /// The DataStore `schema` (`AppSyncJSONVisitor.generateMetadata`).
    fn metadata(&self, mi: &Value, sdl: &SdlInfo) -> Value {
        let strip = |section: &str| -> Value {
            let mut out = Map::new();
            if let Some(obj) = mi.get(section).and_then(Value::as_object) {
                for (k, v) in obj {
                    let mut v = v.clone();
                    if let Some(o) = v.as_object_mut() {
                        o.remove("primaryKeyInfo");
                        if let Some(fields) = o.get_mut("fields").and_then(Value::as_object_mut) {
                            for f in fields.values_mut() {
                                if let Some(a) =
                                    f.get_mut("association").and_then(Value::as_object_mut)
                                    && a.get("connectionType").and_then(Value::as_str)
                                        == Some("HAS_ONE")
                                    && a.get("targetNames")
                                        .and_then(Value::as_array)
                                        .is_some_and(|t| t.is_empty())
                                {
                                    a.remove("targetNames");
                                }
                            }
                        }
                    }
                    out.insert(k.clone(), v);
                }
            }
            Value::Object(out)
        };
        json!({
            "models": strip("models"),
            "enums": strip("enums"),
            "nonModels": strip("nonModels"),
            "codegenVersion": CODEGEN_VERSION,
            "version": self.version(sdl),
        })
    }

    /// `computeVersion`: MD5 of the sorted types with their key directives and fields.
    fn version(&self, sdl: &SdlInfo) -> String {
        let model_names: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
        let mut types: Vec<Value> = Vec::new();
        for t in self.models.iter().chain(&self.non_models) {
            let directives: Vec<Value> = sdl
                .model_keys
                .get(&t.name)
                .map(|d| {
                    d.iter()
                        .map(|(n, a)| json!({"name": n, "arguments": a}))
                        .collect()
                })
                .unwrap_or_default();
            let mut fields: Vec<(String, Value)> = t
                .fields
                .iter()
                .map(|f| {
                    let declared = sdl.relations.get(&t.name);
                    let dirs: Vec<Value> = match declared {
                        Some(fields) => fields
                            .get(&f.name)
                            .map(|d| {
                                d.iter()
                                    .map(|(n, a)| {
                                        let mut d = if n == "manyToMany" {
                                            // Rewritten to a hasMany on the join model's
                                            // index of this model's key.
                                            json!({
                                                "name": "hasMany",
                                                "arguments": {"indexName": format!("by{}", t.name), "fields": t.key_fields},
                                            })
                                        } else {
                                            json!({"name": n, "arguments": a})
                                        };
                                        if n == "manyToMany" || sdl.flattened.contains(&t.name) {
                                            d["fieldName"] = Value::String(f.name.clone());
                                        }
                                        d
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                        // A join model `@manyToMany` adds: its two belongsTo fields.
                        None if model_names.contains(&t.name.as_str()) => f
                            .association
                            .as_ref()
                            .filter(|a| a["connectionType"] == "BELONGS_TO")
                            .map(|a| {
                                vec![json!({
                                    "name": "belongsTo",
                                    "arguments": {"fields": a["targetNames"].clone()},
                                    "fieldName": f.name,
                                })]
                            })
                            .unwrap_or_default(),
                        None => vec![],
                    };
                    let mut v = json!({
                        "name": f.name,
                        "directives": dirs,
                        "type": f.type_name,
                        "isNullable": f.is_nullable,
                        "isList": f.is_list,
                    });
                    if let Some(ln) = f.is_list_nullable {
                        v["isListNullable"] = Value::Bool(ln);
                    }
                    (f.name.clone(), v)
                })
                .collect();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            types.push(json!({
                "name": t.name,
                "directives": directives,
                "fields": fields.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
            }));
        }
        types.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        let text = serde_json::to_string(&types).expect("JSON serialises");
        md5_hex(text.as_bytes())
    }

    /// `index.js` (`AppSyncModelJavascriptVisitor`, not a declaration).
    fn javascript_implementation(&self) -> String {
        let imports = "// @ts-check\nimport { initSchema } from '@aws-amplify/datastore';\nimport { schema } from './schema';";
        let enums = self
            .enums
            .iter()
            .map(|(name, values)| {
                let body = values
                    .iter()
                    .map(|v| format!("  \"{v}\": \"{v}\""))
                    .collect::<Vec<_>>()
                    .join(",\n");
                if values.is_empty() {
                    format!("const {} = [];", pascal_case(name))
                } else {
                    format!("const {} = {{\n{body}\n}};", pascal_case(name))
                }
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        let all: Vec<&Type> = self.models.iter().chain(&self.non_models).collect();
        let init = if all.is_empty() {
            String::new()
        } else {
            format!(
                "const {{ {} }} = initSchema(schema);",
                all.iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let exports: Vec<&str> = self
            .models
            .iter()
            .map(|m| m.name.as_str())
            .chain(self.enums.iter().map(|(n, _)| n.as_str()))
            .chain(self.non_models.iter().map(|m| m.name.as_str()))
            .collect();
        [imports.to_string(), enums, init, exports_block(&exports)].join("\n\n")
    }

    /// `index.d.ts` (JavaScript target, declaration) or `index.ts` (TypeScript target).
    fn declarations(&self, flavor: Flavor) -> String {
        let mut imports = Imports::default();
        let suffix = match flavor {
            Flavor::Declaration => "",
            Flavor::TypeScript => "Model",
        };
        let enum_decls = self
            .enums
            .iter()
            .map(|(name, values)| {
                let body = values
                    .iter()
                    .map(|v| format!("{v} = \"{v}\""))
                    .collect::<Vec<_>>()
                    .join(",\n");
                format!(
                    "export enum {} {{\n{}\n}}",
                    pascal_case(name),
                    indent_multiline(&body)
                )
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        let model_decls = self
            .models
            .iter()
            .map(|m| self.model_declaration(m, true, suffix, &mut imports))
            .collect::<Vec<_>>()
            .join("\n\n");
        let non_model_decls = self
            .non_models
            .iter()
            .map(|m| self.model_declaration(m, false, suffix, &mut imports))
            .collect::<Vec<_>>()
            .join("\n\n");
        match flavor {
            Flavor::Declaration => {
                let mut import = format!(
                    "import {{ {} }} from \"@aws-amplify/datastore\";",
                    imports.base.join(", ")
                );
                import.push_str(&format!(
                    "\n// @ts-ignore\nimport {{ {} }} from \"@aws-amplify/datastore\";",
                    imports.ts_ignore.join(", ")
                ));
                [import, enum_decls, non_model_decls, model_decls].join("\n\n")
            }
            Flavor::TypeScript => {
                let import = "import { ModelInit, MutableModel, PersistentModelConstructor } from \"@aws-amplify/datastore\";\nimport { initSchema } from \"@aws-amplify/datastore\";\n\nimport { schema } from \"./schema\";".to_string();
                let all: Vec<&Type> = self.models.iter().chain(&self.non_models).collect();
                let init = if all.is_empty() {
                    String::new()
                } else {
                    let names = all
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    let info = all
                        .iter()
                        .map(|t| format!("{0}: PersistentModelConstructor<{0}Model>;", t.name))
                        .collect::<Vec<_>>()
                        .join("\n");
                    format!(
                        "const {{ {names} }} = initSchema(schema) as {{\n{}\n}};",
                        indent_multiline(&info)
                    )
                };
                let exports: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
                [
                    import,
                    enum_decls,
                    model_decls,
                    non_model_decls,
                    init,
                    exports_block(&exports),
                ]
                .join("\n\n")
            }
        }
    }

    /// `generateModelDeclaration`.
    fn model_declaration(
        &self,
        t: &Type,
        is_model: bool,
        suffix: &str,
        imports: &mut Imports,
    ) -> String {
        let name = format!("{}{suffix}", t.name);
        let mut eager = Vec::new();
        let mut lazy = Vec::new();
        if is_model {
            imports.base("__modelMeta__");
            let (kind, args) = t
                .identifier
                .clone()
                .unwrap_or(("ManagedIdentifier", "'id'".into()));
            imports.base(kind);
            let mut meta = vec![format!("identifier: {kind}<{}, {args}>;", t.name)];
            let read_only: Vec<String> = t
                .fields
                .iter()
                .filter(|f| f.is_read_only)
                .map(|f| format!("'{}'", f.name))
                .collect();
            if !read_only.is_empty() {
                meta.push(format!("readOnlyFields: {};", read_only.join(" | ")));
            }
            let meta = format!("{{\n{}\n}}", indent_multiline(&meta.join("\n")));
            eager.push(format!("readonly [__modelMeta__]: {meta}"));
            lazy.push(format!("readonly [__modelMeta__]: {meta}"));
        }
        for f in &t.fields {
            let nullable = if f.is_list {
                f.is_list_nullable.unwrap_or(false)
            } else {
                f.is_nullable
            };
            let opt = |o: bool| if o { "?" } else { "" };
            eager.push(format!(
                "readonly {}{}: {}",
                f.name,
                opt(nullable),
                self.native_type(f, false, suffix, imports)
            ));
            lazy.push(format!(
                "readonly {}{}: {}",
                f.name,
                opt(f.kind != TypeRef::Model && nullable),
                self.native_type(f, true, suffix, imports)
            ));
        }
        let block = |prefix: &str, props: &[String]| {
            let body = props
                .iter()
                .map(|p| format!("{p};"))
                .collect::<Vec<_>>()
                .join("\n");
            format!("type {prefix}{name} = {{\n{}\n}}", indent_multiline(&body))
        };
        let conditional = format!(
            "export declare type {name} = LazyLoading extends LazyLoadingDisabled ? Eager{name} : Lazy{name}"
        );
        let mut variable =
            format!("export declare const {name}: (new (init: ModelInit<{name}>) => {name})");
        if is_model {
            variable.push_str(&format!(
                " & {{\n  copyOf(source: {name}, mutator: (draft: MutableModel<{name}>) => MutableModel<{name}> | void): {name};\n}}"
            ));
        }
        [
            block("Eager", &eager),
            block("Lazy", &lazy),
            conditional,
            variable,
        ]
        .join("\n\n")
    }

    /// `AppSyncModelTypeScriptVisitor.getNativeType`.
    fn native_type(&self, f: &Field, lazy: bool, suffix: &str, imports: &mut Imports) -> String {
        let nullable = if f.is_list {
            f.is_list_nullable.unwrap_or(false)
        } else {
            f.is_nullable
        };
        let union = if nullable { " | null" } else { "" };
        let list = |t: String| {
            if f.is_nullable {
                format!("({t} | null)[]")
            } else {
                format!("{t}[]")
            }
        };
        if f.kind == TypeRef::Model {
            let t = format!("{}{suffix}", f.type_name);
            if lazy {
                let wrapper = if f.is_list {
                    "AsyncCollection"
                } else {
                    "AsyncItem"
                };
                imports.ts_ignore(wrapper);
                let undef = if !f.is_list && nullable {
                    " | undefined"
                } else {
                    ""
                };
                return format!("{wrapper}<{t}{undef}>");
            }
            return format!("{}{union}", if f.is_list { list(t) } else { t });
        }
        let base = match f.kind {
            TypeRef::Scalar => match f.type_name.as_str() {
                "Int" | "Float" | "AWSTimestamp" => "number".to_string(),
                "Boolean" => "boolean".to_string(),
                _ => "string".to_string(),
            },
            _ => f.type_name.clone(),
        };
        let mut native = if f.is_list { list(base) } else { base };
        if f.kind == TypeRef::Enum {
            let keyof = format!("keyof typeof {}", f.type_name);
            native = if f.is_list {
                format!("{native} | Array<{keyof}>")
            } else {
                format!("{native} | {keyof}")
            };
        }
        format!("{native}{union}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Declaration,
    TypeScript,
}

struct Imports {
    base: Vec<String>,
    ts_ignore: Vec<String>,
}

impl Default for Imports {
    fn default() -> Self {
        Imports {
            base: vec!["ModelInit".into(), "MutableModel".into()],
            ts_ignore: vec!["LazyLoading".into(), "LazyLoadingDisabled".into()],
        }
    }
}

impl Imports {
    fn base(&mut self, s: &str) {
        if !self.base.iter().any(|b| b == s) {
            self.base.push(s.into());
        }
    }
    fn ts_ignore(&mut self, s: &str) {
        if !self.ts_ignore.iter().any(|b| b == s) {
            self.ts_ignore.push(s.into());
        }
    }
}

/// The identifier type of a model (`constructIdentifier`).
fn identifier(model: &str, pk: Option<&Value>, sdl: &SdlInfo) -> Option<(&'static str, String)> {
    let pk = pk?;
    let field = pk["primaryKeyFieldName"].as_str().unwrap_or("id");
    let sort: Vec<&str> = pk["sortKeyFieldNames"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let declared = sdl
        .primary_key_declared
        .get(model)
        .copied()
        .unwrap_or(false);
    if !declared {
        return Some(("ManagedIdentifier", format!("'{field}'")));
    }
    if field == "id" && sort.is_empty() {
        return Some(("OptionallyManagedIdentifier", format!("'{field}'")));
    }
    if sort.is_empty() {
        return Some(("CustomIdentifier", format!("'{field}'")));
    }
    let all: Vec<String> = std::iter::once(field)
        .chain(sort)
        .map(|f| format!("'{f}'"))
        .collect();
    Some(("CompositeIdentifier", format!("[{}]", all.join(", "))))
}

impl Field {
    fn from_introspection(f: &Value) -> Result<Field, OutputsError> {
        let name = f["name"]
            .as_str()
            .ok_or_else(|| bad("field without name"))?
            .to_string();
        let (type_name, kind) = match &f["type"] {
            Value::String(s) => (s.clone(), TypeRef::Scalar),
            Value::Object(o) => {
                let (k, v) = o.iter().next().ok_or_else(|| bad("empty field type"))?;
                let kind = match k.as_str() {
                    "model" => TypeRef::Model,
                    "enum" => TypeRef::Enum,
                    "nonModel" => TypeRef::NonModel,
                    other => return Err(bad(&format!("field type `{other}`"))),
                };
                (v.as_str().unwrap_or_default().to_string(), kind)
            }
            _ => return Err(bad("field without type")),
        };
        Ok(Field {
            name,
            type_name,
            kind,
            is_list: f["isArray"].as_bool().unwrap_or(false),
            is_nullable: !f["isRequired"].as_bool().unwrap_or(false),
            is_list_nullable: f.get("isArrayNullable").and_then(Value::as_bool),
            is_read_only: f
                .get("isReadOnly")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            association: f.get("association").cloned(),
        })
    }
}

fn exports_block(names: &[&str]) -> String {
    format!("export {{\n{}\n}};", indent_multiline(&names.join(",\n")))
}

/// `indentMultiline` of `@graphql-codegen/visitor-plugin-common`.
fn indent_multiline(s: &str) -> String {
    format!("  {}", s.replace('\n', "\n  "))
}

/// `change-case` `pascalCase` for the names GraphQL allows.
fn pascal_case(s: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let Some(&p) = i.checked_sub(1).and_then(|j| chars.get(j)) {
            let split = (p.is_ascii_lowercase() || p.is_ascii_digit()) && c.is_ascii_uppercase()
                || (p.is_ascii_uppercase()
                    && c.is_ascii_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
            if split && !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            let mut c = lower.chars();
            let first = c.next().map(|f| f.to_ascii_uppercase()).unwrap_or_default();
            // change-case keeps `_` between a digit boundary: `Version1_2`.
            let rest: String = c.collect();
            let _ = i;
            format!("{first}{rest}")
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// MD5 (RFC 1321), for the `version` hash
// ---------------------------------------------------------------------------------------

fn md5_hex(data: &[u8]) -> String {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32)
        .collect();
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_le_bytes());
    let (mut a0, mut b0, mut c0, mut d0) =
        (0x67452301u32, 0xefcdab89u32, 0x98badcfeu32, 0x10325476u32);
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    [a0, b0, c0, d0]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn md5_known_values() {
        assert_eq!(super::md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            super::md5_hex(b"The quick brown fox jumps over the lazy dog"),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
    }
}
