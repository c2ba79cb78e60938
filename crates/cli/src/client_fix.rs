//! `ampbase client-fix`: the fix of the upstream `@aws-amplify/storage` bug that keeps every
//! released client (6.7.0 and later) from reaching a local S3 endpoint.
//!
//! `endpointResolver` in `s3data/base` sets the local-testing endpoint and then, for want of
//! an `else`, always asserts that the custom endpoint has no scheme, so every storage call
//! fails with `InvalidCustomEndpoint` (client-protocol §1.4). The fix adds the `else`. It is
//! applied to the app's `node_modules` (ESM and CommonJS builds), marked so that it can be
//! recognised and reverted; `patches/` in the repository holds the same change for the
//! patch-package workflow.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Marks a fixed file; the sandbox looks for it before enabling the local S3 switch.
pub const MARKER: &str = "ampbase: local S3 endpoint fix";

/// The built files of `@aws-amplify/storage` that carry the bug.
const FILES: &[&str] = &[
    "dist/esm/providers/s3/utils/client/s3data/base.mjs",
    "dist/cjs/providers/s3/utils/client/s3data/base.js",
];

/// The state of one installed copy of the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixState {
    /// The bug is there and the fix applies.
    Needed,
    /// The fix is applied.
    Applied,
    /// The code is not the buggy one (an older or already fixed release).
    NotNeeded,
}

/// Every installed `@aws-amplify/storage` under the app (hoisted or nested).
pub fn installed_packages(app_root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let candidates = [
        app_root.join("node_modules/@aws-amplify/storage"),
        app_root.join("node_modules/aws-amplify/node_modules/@aws-amplify/storage"),
    ];
    for dir in candidates {
        if dir.join("package.json").is_file() {
            found.push(dir);
        }
    }
    found
}

pub fn package_version(package: &Path) -> Option<String> {
    let text = std::fs::read_to_string(package.join("package.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["version"].as_str().map(str::to_string)
}

/// The buggy lines: `}` closing the local-testing branch, the scheme assertion, the https
/// endpoint. Returns the index of the `}` line.
fn find_bug(lines: &[&str]) -> Option<usize> {
    lines.windows(3).position(|w| {
        w[0].trim() == "}"
            && w[1].contains("!customEndpoint.includes('://')")
            && w[2].contains("https://${customEndpoint}")
    })
}

fn find_fix(lines: &[&str]) -> Option<usize> {
    lines.windows(3).position(|w| w[0].trim() == "else {" && w[1].contains(MARKER))
}

fn indent_of(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// The fixed text of a file, or `None` when the bug is not in it.
fn apply_to(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let at = find_bug(&lines)?;
    let indent = indent_of(lines[at]);
    let mut out: Vec<String> = lines[..=at].iter().map(|l| l.to_string()).collect();
    out.push(format!("{indent}else {{"));
    out.push(format!("{indent}    // {MARKER}: without this `else` every call fails with InvalidCustomEndpoint"));
    out.push(format!("{indent}    {}", lines[at + 1].trim_start()));
    out.push(format!("{indent}    {}", lines[at + 2].trim_start()));
    out.push(format!("{indent}}}"));
    out.extend(lines[at + 3..].iter().map(|l| l.to_string()));
    Some(out.join("\n"))
}

/// The original text of a fixed file, or `None` when the fix is not in it.
fn revert_in(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let at = find_fix(&lines)?;
    let indent = indent_of(lines[at]);
    let mut out: Vec<String> = lines[..at].iter().map(|l| l.to_string()).collect();
    out.push(format!("{indent}{}", lines[at + 2].trim_start()));
    out.push(format!("{indent}{}", lines[at + 3].trim_start()));
    out.extend(lines[at + 5..].iter().map(|l| l.to_string()));
    Some(out.join("\n"))
}

pub fn state_of(package: &Path) -> FixState {
    let mut any_bug = false;
    for file in FILES {
        let Ok(text) = std::fs::read_to_string(package.join(file)) else { continue };
        if text.contains(MARKER) {
            return FixState::Applied;
        }
        any_bug |= find_bug(&text.split('\n').collect::<Vec<_>>()).is_some();
    }
    if any_bug { FixState::Needed } else { FixState::NotNeeded }
}

/// Whether the app's client can reach the local S3 endpoint: every installed copy is either
/// fixed or never had the bug, and at least one is fixed.
pub fn fix_installed(app_root: &Path) -> bool {
    let states: Vec<FixState> = installed_packages(app_root).iter().map(|p| state_of(p)).collect();
    states.contains(&FixState::Applied) && !states.contains(&FixState::Needed)
}

/// Applies (or reverts) the fix in every installed copy; returns what changed, per file.
pub fn change(app_root: &Path, revert: bool) -> Result<Vec<String>> {
    let packages = installed_packages(app_root);
    if packages.is_empty() {
        bail!("no @aws-amplify/storage under {}/node_modules: install aws-amplify first", app_root.display());
    }
    let mut report = Vec::new();
    for package in packages {
        let version = package_version(&package).unwrap_or_else(|| "?".into());
        for file in FILES {
            let path = package.join(file);
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let changed = if revert { revert_in(&text) } else { apply_to(&text) };
            let shown = path.strip_prefix(app_root).unwrap_or(&path).display().to_string();
            match changed {
                Some(new_text) => {
                    std::fs::write(&path, new_text).with_context(|| format!("cannot write {}", path.display()))?;
                    let what = if revert {
                        "removed the `else` ampbase added to endpointResolver"
                    } else {
                        "added the missing `else` in endpointResolver, so the local-testing endpoint is used as given"
                    };
                    report.push(format!("@aws-amplify/storage {version}: {shown}: {what}"));
                }
                None => report.push(format!("@aws-amplify/storage {version}: {shown}: unchanged ({})", if revert { "the fix is not applied" } else if text.contains(MARKER) { "already fixed" } else { "the bug is not in this release" })),
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUGGY: &str = "    if (customEndpoint) {\n        if (customEndpoint === LOCAL_TESTING_S3_ENDPOINT) {\n            endpoint = new AmplifyUrl(customEndpoint);\n        }\n        assertValidationError(!customEndpoint.includes('://'), StorageValidationErrorCode.InvalidCustomEndpoint);\n        endpoint = new AmplifyUrl(`https://${customEndpoint}`);\n    }\n    else if (useAccelerateEndpoint) {\n";

    #[test]
    fn applies_and_reverts_exactly() {
        let fixed = apply_to(BUGGY).unwrap();
        assert!(fixed.contains("        }\n        else {\n"), "{fixed}");
        assert!(fixed.contains(MARKER));
        assert!(apply_to(&fixed).is_none(), "applying twice changes nothing");
        assert_eq!(revert_in(&fixed).unwrap(), BUGGY);
        assert!(revert_in(BUGGY).is_none());
    }
}
