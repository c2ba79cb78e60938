//! Embeds the JavaScript runtime of `@aws-amplify/backend` (the `js/` folder) in the binary.
use std::{env, fs, path::Path};

fn collect(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            // Tests and dev tooling of the runtime are not part of it.
            if name != "test" && name != "node_modules" {
                collect(&path, root, out);
            }
        } else if name.ends_with(".js") || name.ends_with(".mjs") {
            out.push(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
}

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap();
    let root = Path::new(&manifest).join("js");
    println!("cargo:rerun-if-changed=js");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let mut code = String::from("pub(crate) static RUNTIME_FILES: &[(&str, &str)] = &[\n");
    for file in &files {
        let abs = root.join(file);
        println!("cargo:rerun-if-changed={}", abs.display());
        code.push_str(&format!("    ({file:?}, include_str!({:?})),\n", abs.display().to_string()));
    }
    code.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("runtime_files.rs");
    fs::write(out, code).unwrap();
}
