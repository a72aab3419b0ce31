//! The library's modules depend on each other only as ARCHITECTURE.md's table says, and the
//! dependencies form no cycle: each module's `crate::` paths (outside its tests and comments)
//! are read from its sources and checked against the table's "depends on" column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Names re-exported at the crate root (`pub use engine::{Ledger, ..}`), by the module they
/// come from.
fn root_exports() -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    // Statements, comments left out: a `pub use` may span lines (rustfmt breaks long lists).
    let code: String = lib
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = BTreeMap::new();
    for statement in code.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let (module, names) = rest.split_once("::").unwrap();
        for name in names.trim_matches(|c: char| "{} ".contains(c)).split(',') {
            let name = name.trim();
            if !name.is_empty() {
                out.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    out
}

/// Every `crate::x` a file names in code (not in comments, not in its `#[cfg(test)]` tail).
fn crate_paths(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
        // `use crate::{a, b::c}`
        if let Some(i) = line.find("crate::{") {
            let inner = &line[i + "crate::{".len()..];
            for part in inner.split([',', '}']) {
                let name = part.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    out.push(name.to_string());
                }
            }
        }
    }
    out
}

fn actual() -> Graph {
    let exports = root_exports();
    let src = root().join("src");
    let mut graph = Graph::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for item in std::fs::read_dir(&dir).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let module = first.trim_end_matches(".rs").to_string();
            if module == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let deps = graph.entry(module.clone()).or_default();
            for name in crate_paths(&text) {
                let target = exports.get(&name).cloned().unwrap_or(name);
                if target != module {
                    deps.insert(target);
                }
            }
        }
    }
    graph
}

/// The table of ARCHITECTURE.md's "The library, module by module": module → the modules its
/// "depends on" column names in backquotes.
fn declared() -> Graph {
    let text = std::fs::read_to_string(root().join("../ARCHITECTURE.md")).unwrap();
    let section = text
        .split("## The library, module by module")
        .nth(1)
        .expect("ARCHITECTURE.md has the module table");
    let mut graph = Graph::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let module = cells[1].trim_matches('`').trim_end_matches('/').to_string();
        let deps = cells[cells.len() - 2]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|d| {
                d.trim_end_matches('/')
                    .split("::")
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        graph.insert(module, deps);
    }
    graph
}

fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut found = path[i..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn modules_depend_only_as_the_architecture_says_and_without_cycles() {
    let actual = actual();
    let declared = declared();
    let mut wrong = Vec::new();
    for (module, deps) in &actual {
        let Some(allowed) = declared.get(module) else {
            wrong.push(format!(
                "`{module}` is missing from ARCHITECTURE.md's table"
            ));
            continue;
        };
        for d in deps.difference(allowed) {
            wrong.push(format!(
                "`{module}` uses `{d}`, which its row does not list"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(cycle(&actual), None, "an import cycle in ledger/src");
    assert_eq!(cycle(&declared), None, "a cycle in ARCHITECTURE.md's table");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut g = Graph::new();
    g.insert("engine".into(), ["verify".to_string()].into());
    g.insert("verify".into(), ["projections".to_string()].into());
    g.insert("projections".into(), ["engine".to_string()].into());
    assert_eq!(
        cycle(&g),
        Some(vec![
            "engine".to_string(),
            "verify".into(),
            "projections".into(),
            "engine".into()
        ])
    );
    g.insert("projections".into(), BTreeSet::new());
    assert_eq!(cycle(&g), None);
}
