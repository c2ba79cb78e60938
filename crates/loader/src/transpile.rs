//! TypeScript → JavaScript with oxc: types stripped, nothing down-levelled, a source map kept
//! so that errors raised while evaluating can point at the user's own line and column.

use std::path::Path;

use oxc::allocator::Allocator;
use oxc::ast::ast::{ImportDeclarationSpecifier, ModuleExportName, Statement};
use oxc::codegen::{Codegen, CodegenOptions};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::transformer::{TransformOptions, Transformer};

use crate::source::{Location, SourceText};

/// One module, ready for QuickJS.
pub(crate) struct Transpiled {
    pub code: String,
    /// Maps generated (line, column), both 0-based, to the original ones.
    pub map: Option<oxc_sourcemap::SourceMap<'static>>,
    /// Value imports left after type stripping (type-only imports are gone).
    pub imports: Vec<ImportUse>,
}

/// How a module uses one import specifier; needed to stand in for modules ampbase does not serve.
#[derive(Debug, Clone)]
pub(crate) struct ImportUse {
    pub specifier: String,
    /// Exported names the module takes (`default` included).
    pub names: Vec<String>,
    /// Local name of `import * as ns`, whose members are found by reading the code.
    pub namespace: Option<String>,
    pub at: Location,
}

/// A syntax error with its position in the original text.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub message: String,
    pub at: Location,
}

pub(crate) fn transpile(path: &str, source: &SourceText) -> Result<Transpiled, SyntaxError> {
    transpile_with(path, source, None)
}

/// Rewrites an import specifier (`./x` → `./x.mjs`); `None` keeps it as written.
pub(crate) type SpecifierRewrite<'r> = &'r mut dyn FnMut(&str) -> Option<String>;

/// [`transpile`], with the specifiers of static imports and re-exports rewritten.
pub(crate) fn transpile_with(
    path: &str,
    source: &SourceText,
    mut rewrite: Option<SpecifierRewrite<'_>>,
) -> Result<Transpiled, SyntaxError> {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(Path::new(path))
        .unwrap_or_else(|_| SourceType::mjs())
        .with_module(true);
    let parsed = Parser::new(&allocator, source.text(), source_type).parse();
    if let Some(error) = parsed.diagnostics.into_iter().next() {
        return Err(to_syntax_error(&error, source));
    }
    let mut program = parsed.program;
    let semantic = SemanticBuilder::new().with_enum_eval(true).build(&program);
    let scoping = semantic.semantic.into_scoping();
    let transformed = Transformer::new(&allocator, Path::new(path), &TransformOptions::default())
        .build_with_scoping(scoping, &mut program);
    if let Some(error) = transformed.diagnostics.into_iter().next() {
        return Err(to_syntax_error(&error, source));
    }

    let mut imports = Vec::new();
    for statement in &program.body {
        let (specifier, names, namespace, span) = match statement {
            Statement::ImportDeclaration(decl) => {
                let mut names = Vec::new();
                let mut namespace = None;
                for spec in decl.specifiers.iter().flatten() {
                    match spec {
                        ImportDeclarationSpecifier::ImportSpecifier(s) => {
                            names.push(export_name(&s.imported))
                        }
                        ImportDeclarationSpecifier::ImportDefaultSpecifier(_) => {
                            names.push("default".into())
                        }
                        ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                            namespace = Some(s.local.name.to_string())
                        }
                    }
                }
                (decl.source.value.to_string(), names, namespace, decl.span)
            }
            Statement::ExportFromDeclaration(decl) => {
                let names = decl.specifiers.iter().map(|s| export_name(&s.local)).collect();
                (decl.source.value.to_string(), names, None, decl.span)
            }
            Statement::ExportAllDeclaration(decl) => {
                (decl.source.value.to_string(), Vec::new(), None, decl.span)
            }
            _ => continue,
        };
        imports.push(ImportUse { specifier, names, namespace, at: source.location(span.start) });
    }
    if let Some(rewrite) = rewrite.as_mut() {
        for statement in program.body.iter_mut() {
            let literal = match statement {
                Statement::ImportDeclaration(decl) => &mut decl.source,
                Statement::ExportFromDeclaration(decl) => &mut decl.source,
                Statement::ExportAllDeclaration(decl) => &mut decl.source,
                _ => continue,
            };
            if let Some(new) = rewrite(literal.value.as_str()) {
                literal.value = oxc::allocator::FromIn::from_in(new.as_str(), &allocator);
            }
        }
    }

    let generated = Codegen::new()
        .with_options(CodegenOptions {
            source_map_path: Some(Path::new(path).to_path_buf()),
            ..CodegenOptions::default()
        })
        .build(&program);
    Ok(Transpiled {
        code: generated.code,
        map: generated.map.map(|m| m.into_owned()),
        imports,
    })
}

fn export_name(name: &ModuleExportName<'_>) -> String {
    match name {
        ModuleExportName::IdentifierName(n) => n.name.to_string(),
        ModuleExportName::IdentifierReference(n) => n.name.to_string(),
        ModuleExportName::StringLiteral(s) => s.value.to_string(),
    }
}

fn to_syntax_error(error: &oxc::diagnostics::OxcDiagnostic, source: &SourceText) -> SyntaxError {
    let offset = error
        .labels
        .first()
        .map(|label| label.offset())
        .unwrap_or(0);
    let mut message = error.message.to_string();
    if let Some(help) = &error.help {
        message.push_str(&format!(" ({help})"));
    }
    SyntaxError { message, at: source.location(offset) }
}

/// Names used as `ns.Name` in `code`: the exports a stand-in for `import * as ns` must have.
pub(crate) fn namespace_members(code: &str, namespace: &str) -> Vec<String> {
    let mut names = Vec::new();
    let needle = format!("{namespace}.");
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(found) = code[from..].find(&needle) {
        let start = from + found;
        from = start + needle.len();
        let boundary = start == 0 || {
            let c = bytes[start - 1];
            !(c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'.')
        };
        if !boundary {
            continue;
        }
        let rest = &code[from..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, code: &str) -> Result<Transpiled, SyntaxError> {
        transpile(path, &SourceText::new(code.to_string()))
    }

    #[test]
    fn strips_types_and_keeps_enums_and_value_imports() {
        let out = run(
            "amplify/x.ts",
            "import type { T } from './t';\nimport { a, type B } from '@aws-amplify/backend';\n\
             enum Color { Red = 'RED' }\nexport const x = { c: Color.Red, a } satisfies object as const;\n\
             const f = <G,>(v: G): G => v;\nawait Promise.resolve(f(1));\n",
        )
        .unwrap();
        assert!(!out.code.contains("satisfies"));
        assert!(out.code.contains("Color"));
        assert_eq!(out.imports.len(), 1);
        assert_eq!(out.imports[0].specifier, "@aws-amplify/backend");
        assert_eq!(out.imports[0].names, vec!["a"]);
        assert_eq!((out.imports[0].at.line, out.imports[0].at.column), (2, 1));
    }

    #[test]
    fn reports_syntax_errors_where_they_are() {
        let err = run("amplify/backend.ts", "const a = 1;\nconst b = ;\n").err().unwrap();
        assert_eq!((err.at.line, err.at.column), (2, 11));
        assert!(!err.message.is_empty());
    }

    #[test]
    fn finds_namespace_members() {
        let names = namespace_members("new iam.PolicyStatement({}); iam.Effect.ALLOW; xiam.No", "iam");
        assert_eq!(names, vec!["PolicyStatement", "Effect"]);
    }
}
