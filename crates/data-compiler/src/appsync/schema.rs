//! A small, ordered GraphQL schema under construction, with the merge rules of the
//! transformer's output context (directives are unique by name, first one wins) and a printer.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OutKind {
    Object,
    Input,
    Interface,
    Enum(Vec<String>),
    Union(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dir {
    pub name: String,
    /// Printed arguments without parentheses (`mutations: ["createTodo"]`), empty for none.
    pub args: String,
}

impl Dir {
    pub fn bare(name: &str) -> Self {
        Dir { name: name.to_string(), args: String::new() }
    }

    pub fn with_args(name: &str, args: &[(String, Value)]) -> Self {
        let args = args.iter().map(|(k, v)| format!("{k}: {}", print_value(v))).collect::<Vec<_>>().join(", ");
        Dir { name: name.to_string(), args }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutArg {
    pub name: String,
    pub ty: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutField {
    pub name: String,
    pub args: Vec<OutArg>,
    pub ty: String,
    pub directives: Vec<Dir>,
}

impl OutField {
    pub fn new(name: &str, ty: impl Into<String>) -> Self {
        OutField { name: name.to_string(), args: Vec::new(), ty: ty.into(), directives: Vec::new() }
    }

    pub fn arg(mut self, name: &str, ty: impl Into<String>) -> Self {
        self.args.push(OutArg { name: name.to_string(), ty: ty.into() });
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutType {
    pub name: String,
    pub kind: OutKind,
    pub directives: Vec<Dir>,
    pub interfaces: Vec<String>,
    pub fields: Vec<OutField>,
}

impl OutType {
    pub fn new(name: &str, kind: OutKind) -> Self {
        OutType { name: name.to_string(), kind, directives: Vec::new(), interfaces: Vec::new(), fields: Vec::new() }
    }

    pub fn field(&self, name: &str) -> Option<&OutField> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn field_mut(&mut self, name: &str) -> Option<&mut OutField> {
        self.fields.iter_mut().find(|f| f.name == name)
    }

    pub fn has_field(&self, name: &str) -> bool {
        self.field(name).is_some()
    }

    pub fn push_field(&mut self, field: OutField) {
        self.fields.push(field);
    }

    pub fn remove_field(&mut self, name: &str) {
        self.fields.retain(|f| f.name != name);
    }
}

/// Adds directives not yet present by name, keeping order.
pub(crate) fn merge_dirs(existing: &mut Vec<Dir>, new: &[Dir]) {
    for d in new {
        if !existing.iter().any(|e| e.name == d.name) {
            existing.push(d.clone());
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct OutSchema {
    pub types: Vec<OutType>,
}

impl OutSchema {
    pub fn get(&self, name: &str) -> Option<&OutType> {
        self.types.iter().find(|t| t.name == name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut OutType> {
        self.types.iter_mut().find(|t| t.name == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Adds the type unless one of that name exists.
    pub fn add(&mut self, t: OutType) {
        if !self.has(&t.name) {
            self.types.push(t);
        }
    }

    /// The root operation type, created on first use.
    pub fn root(&mut self, name: &str) -> &mut OutType {
        if !self.has(name) {
            self.types.push(OutType::new(name, OutKind::Object));
        }
        self.get_mut(name).expect("just added")
    }

    pub fn add_type_directives(&mut self, name: &str, dirs: &[Dir]) {
        if let Some(t) = self.get_mut(name) {
            merge_dirs(&mut t.directives, dirs);
        }
    }

    pub fn add_field_directives(&mut self, type_name: &str, field: &str, dirs: &[Dir]) {
        if let Some(f) = self.get_mut(type_name).and_then(|t| t.field_mut(field)) {
            merge_dirs(&mut f.directives, dirs);
        }
    }

    /// `addDirectivesToOperation`: the operation field and the type it returns.
    pub fn add_operation_directives(&mut self, type_name: &str, field: &str, dirs: &[Dir]) {
        self.add_field_directives(type_name, field, dirs);
        let ret = self.get(type_name).and_then(|t| t.field(field)).map(|f| f.ty.clone());
        if let Some(ret) = ret {
            // Only a bare named return type is extended (as `returnFieldType.name` is checked).
            if !ret.contains('[') && !ret.ends_with('!') {
                self.add_type_directives(&ret, dirs);
            }
        }
    }

    pub fn print(&self) -> String {
        let mut out = String::new();
        for t in &self.types {
            if !out.is_empty() {
                out.push('\n');
            }
            let dirs = print_dirs(&t.directives);
            match &t.kind {
                OutKind::Enum(values) => {
                    out.push_str(&format!("enum {}{} {{\n", t.name, dirs));
                    for v in values {
                        out.push_str(&format!("  {v}\n"));
                    }
                    out.push_str("}\n");
                }
                OutKind::Union(members) => {
                    out.push_str(&format!("union {}{} = {}\n", t.name, dirs, members.join(" | ")));
                }
                kind => {
                    let keyword = match kind {
                        OutKind::Input => "input",
                        OutKind::Interface => "interface",
                        _ => "type",
                    };
                    let implements = if t.interfaces.is_empty() {
                        String::new()
                    } else {
                        format!(" implements {}", t.interfaces.join(" & "))
                    };
                    out.push_str(&format!("{keyword} {}{implements}{dirs} {{\n", t.name));
                    for f in &t.fields {
                        let args = if f.args.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "({})",
                                f.args.iter().map(|a| format!("{}: {}", a.name, a.ty)).collect::<Vec<_>>().join(", ")
                            )
                        };
                        out.push_str(&format!("  {}{}: {}{}\n", f.name, args, f.ty, print_dirs(&f.directives)));
                    }
                    out.push_str("}\n");
                }
            }
        }
        out
    }
}

fn print_dirs(dirs: &[Dir]) -> String {
    dirs.iter()
        .map(|d| if d.args.is_empty() { format!(" @{}", d.name) } else { format!(" @{}({})", d.name, d.args) })
        .collect()
}

/// GraphQL literal syntax for a directive argument value.
pub(crate) fn print_value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(items) => format!("[{}]", items.iter().map(print_value).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter().map(|(k, v)| format!("{k}: {}", print_value(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}
