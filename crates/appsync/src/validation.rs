//! Validation once per (document, operation), not once per request.
//!
//! async-graphql validates a document against the schema on every request, which costs as
//! much as executing a small query. Only one of its rules depends on the request's variables:
//! `ArgumentsOfCorrectType` substitutes them into each argument that uses one and checks the
//! result against the argument's type (scalars' validators included: `AWSEmail`,
//! `AWSDateTime`, …). Every other rule, and the depth and complexity limits, depend on the
//! document and the schema alone.
//!
//! So when a document has passed the full validation once for an operation name (with any
//! variables: passing with some variables implies passing every variable-free check), later
//! requests only re-run that rule's check on the arguments that use variables, in the order
//! and with the messages async-graphql gives, and skip the rest ([`CachedValidation`], an
//! extension that answers the validation step from the cache). A document that failed is
//! validated in full again, so its errors are always async-graphql's own.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::parser::types::{
    Directive, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaInputValue, MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Pos, Positioned, QueryPathNode, QueryPathSegment, ServerError, ValidationResult, Variables};
use async_graphql_value::{ConstValue, Value};

/// What the validation step of one request does.
pub(crate) enum Validation {
    /// The document passed for this operation before: skip the rules (the variables have
    /// been checked already).
    Known(ValidationResult),
    /// Validate in full and record the result when it passes.
    Learn(Arc<OnceLock<ValidationResult>>),
}

/// The extension that answers the validation step from [`Validation`] in the request data.
pub(crate) struct CachedValidation(Arc<CachedValidationExtension>);

impl CachedValidation {
    pub fn new() -> Self {
        CachedValidation(Arc::new(CachedValidationExtension))
    }
}

impl ExtensionFactory for CachedValidation {
    fn create(&self) -> Arc<dyn Extension> {
        self.0.clone()
    }
}

pub(crate) struct CachedValidationExtension;

#[async_trait::async_trait]
impl Extension for CachedValidationExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        match ctx.data_opt::<Validation>() {
            Some(Validation::Known(result)) => Ok(*result),
            Some(Validation::Learn(slot)) => {
                let result = next.run(ctx).await;
                if let Ok(r) = &result {
                    let _ = slot.set(*r);
                }
                result
            }
            None => next.run(ctx).await,
        }
    }
}

/// An argument whose value uses variables.
struct Site {
    /// `Some(name)` inside the operation of that name, `None` in a fragment or an unnamed
    /// operation.
    operation: Option<Name>,
    in_operation: bool,
    arg_name: String,
    ty: String,
    value: Value,
    pos: Pos,
}

/// The variable-dependent checks of a document that passed validation once.
pub(crate) struct Validated {
    pub result: ValidationResult,
    sites: Vec<Site>,
}

impl Validated {
    /// Walks `doc` as async-graphql's validation visitor does (fragments first, then the
    /// operations) and keeps the arguments that use variables.
    pub fn new(registry: &Registry, doc: &ExecutableDocument, result: ValidationResult) -> Validated {
        let mut sites = Vec::new();
        for fragment in doc.fragments.values() {
            let ty = registry.types.get(fragment.node.type_condition.node.on.node.as_str());
            let mut w = Walker { registry, operation: None, in_operation: false, sites: &mut sites };
            w.directives(&fragment.node.directives);
            w.selection_set(ty, &fragment.node.selection_set.node);
        }
        for (name, operation) in doc.operations.iter() {
            let root = match operation.node.ty {
                OperationType::Query => Some(registry.query_type.as_str()),
                OperationType::Mutation => registry.mutation_type.as_deref(),
                OperationType::Subscription => registry.subscription_type.as_deref(),
            };
            let Some(root) = root else { continue };
            let mut w = Walker { registry, operation: name.cloned(), in_operation: true, sites: &mut sites };
            w.directives(&operation.node.directives);
            w.selection_set(registry.types.get(root), &operation.node.selection_set.node);
        }
        Validated { result, sites }
    }

    /// The errors async-graphql's validation gives this document with `variables`, given that
    /// it passed once: those of the arguments that use variables.
    pub fn check(&self, registry: &Registry, variables: &Variables, operation_name: Option<&str>) -> Vec<ServerError> {
        let mut errors = Vec::new();
        for site in &self.sites {
            let unselected = site.in_operation
                && operation_name.zip(site.operation.as_ref()).is_some_and(|(selected, current)| selected != current.as_str());
            let value = site
                .value
                .clone()
                .into_const_with(|name| if unselected { Err(()) } else { variables.get(&name).cloned().ok_or(()) })
                .ok();
            if let Some(reason) = value.and_then(|value| {
                is_valid_input_value(
                    registry,
                    &site.ty,
                    &value,
                    QueryPathNode { parent: None, segment: QueryPathSegment::Name(&site.arg_name) },
                )
            }) {
                errors.push(ServerError::new(format!("Invalid value for argument {reason}"), Some(site.pos)));
            }
        }
        errors
    }
}

struct Walker<'a, 'b> {
    registry: &'a Registry,
    operation: Option<Name>,
    in_operation: bool,
    sites: &'b mut Vec<Site>,
}

fn uses_variables(value: &Value) -> bool {
    match value {
        Value::Variable(_) => true,
        Value::List(items) => items.iter().any(uses_variables),
        Value::Object(map) => map.values().any(uses_variables),
        _ => false,
    }
}

impl<'a> Walker<'a, '_> {
    /// `args`: the argument definitions (of the field or directive), by name.
    fn arguments<'v>(
        &mut self,
        args: impl Fn(&str) -> Option<&'a MetaInputValue>,
        arguments: impl Iterator<Item = (&'v Positioned<Name>, &'v Positioned<Value>)>,
    ) {
        for (name, value) in arguments {
            let Some(arg) = args(name.node.as_str()) else { continue };
            if uses_variables(&value.node) {
                self.sites.push(Site {
                    operation: self.operation.clone(),
                    in_operation: self.in_operation,
                    arg_name: arg.name.clone(),
                    ty: arg.ty.clone(),
                    value: value.node.clone(),
                    pos: name.pos,
                });
            }
        }
    }

    fn directives(&mut self, directives: &[Positioned<Directive>]) {
        for d in directives {
            let args = self.registry.directives.get(d.node.name.node.as_str()).map(|d| &d.args);
            self.arguments(|n| args.and_then(|a| a.get(n)), d.node.arguments.iter().map(|(n, v)| (n, v)));
        }
    }

    fn selection_set(&mut self, current: Option<&'a MetaType>, set: &SelectionSet) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.name.node == "__typename" {
                        continue;
                    }
                    let def = current.and_then(|t| t.field_by_name(&field.node.name.node));
                    let ty = def.and_then(|f| self.registry.concrete_type_by_name(&f.ty));
                    self.arguments(|n| def.and_then(|f| f.args.get(n)), field.node.arguments.iter().map(|(n, v)| (n, v)));
                    self.directives(&field.node.directives);
                    self.selection_set(ty, &field.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => self.directives(&spread.node.directives),
                Selection::InlineFragment(inline) => {
                    let ty = match &inline.node.type_condition {
                        Some(c) => self.registry.types.get(c.node.on.node.as_str()),
                        None => current,
                    };
                    self.directives(&inline.node.directives);
                    self.selection_set(ty, &inline.node.selection_set.node);
                }
            }
        }
    }
}

fn valid_error(path_node: &QueryPathNode, msg: String) -> String {
    format!("\"{path_node}\", {msg}")
}

/// async-graphql 7.2's `validation::utils::is_valid_input_value` (not public), verbatim in
/// behaviour: the check `ArgumentsOfCorrectType` makes of an argument's value.
fn is_valid_input_value(registry: &Registry, type_name: &str, value: &ConstValue, path_node: QueryPathNode) -> Option<String> {
    match MetaTypeName::create(type_name) {
        MetaTypeName::NonNull(type_name) => match value {
            ConstValue::Null => Some(valid_error(&path_node, format!("expected type \"{type_name}\""))),
            _ => is_valid_input_value(registry, type_name, value, path_node),
        },
        MetaTypeName::List(type_name) => match value {
            ConstValue::List(elems) => elems.iter().enumerate().find_map(|(idx, elem)| {
                is_valid_input_value(
                    registry,
                    type_name,
                    elem,
                    QueryPathNode { parent: Some(&path_node), segment: QueryPathSegment::Index(idx) },
                )
            }),
            ConstValue::Null => None,
            _ => is_valid_input_value(registry, type_name, value, path_node),
        },
        MetaTypeName::Named(type_name) => {
            if let ConstValue::Null = value {
                return None;
            }
            match registry.types.get(type_name).unwrap_or_else(|| panic!("Type `{type_name}` not defined")) {
                MetaType::Scalar { is_valid: Some(is_valid_fn), .. } => {
                    if (is_valid_fn)(value) {
                        None
                    } else {
                        Some(valid_error(&path_node, format!("expected type \"{type_name}\"")))
                    }
                }
                MetaType::Scalar { is_valid: None, .. } => None,
                MetaType::Enum { enum_values, name: enum_name, .. } => match value {
                    ConstValue::Enum(name) => (!enum_values.contains_key(name.as_str())).then(|| {
                        valid_error(
                            &path_node,
                            format!("enumeration type \"{enum_name}\" does not contain the value \"{name}\""),
                        )
                    }),
                    ConstValue::String(name) => (!enum_values.contains_key(name.as_str())).then(|| {
                        valid_error(
                            &path_node,
                            format!("enumeration type \"{enum_name}\" does not contain the value \"{name}\""),
                        )
                    }),
                    _ => Some(valid_error(&path_node, format!("expected type \"{type_name}\""))),
                },
                MetaType::InputObject { input_fields, name: object_name, oneof, .. } => match value {
                    ConstValue::Object(values) => {
                        if *oneof {
                            if values.len() != 1 {
                                return Some(valid_error(
                                    &path_node,
                                    "Oneof input objects requires have exactly one field".to_string(),
                                ));
                            }
                            if let ConstValue::Null = values[0] {
                                return Some(valid_error(
                                    &path_node,
                                    "Oneof Input Objects require that exactly one field must be supplied and that field must not be null"
                                        .to_string(),
                                ));
                            }
                        }
                        let mut input_names = values.keys().map(AsRef::as_ref).collect::<HashSet<&str>>();
                        for field in input_fields.values() {
                            input_names.remove(&*field.name);
                            if let Some(value) = values.get(&*field.name) {
                                if let Some(reason) = is_valid_input_value(
                                    registry,
                                    &field.ty,
                                    value,
                                    QueryPathNode { parent: Some(&path_node), segment: QueryPathSegment::Name(&field.name) },
                                ) {
                                    return Some(reason);
                                }
                            } else if MetaTypeName::create(&field.ty).is_non_null() && field.default_value.is_none() {
                                return Some(valid_error(
                                    &path_node,
                                    format!(r#"field "{}" of type "{}" is required but not provided"#, field.name, field.ty),
                                ));
                            }
                        }
                        if let Some(name) = input_names.iter().next() {
                            return Some(valid_error(
                                &path_node,
                                format!("unknown field \"{name}\" of type \"{object_name}\""),
                            ));
                        }
                        None
                    }
                    _ => None,
                },
                _ => None,
            }
        }
    }
}
