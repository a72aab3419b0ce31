//! `/openapi.json` is the API's contract: every route the router serves under `/v1` (and
//! `/healthz`) is described with the schema of each answer, refusals as problem documents, and
//! the description names the project, its version and its licence.

use serde_json::Value;

fn spec() -> Value {
    serde_json::to_value(api::openapi()).expect("the description serializes")
}

/// The routes of the contract, as the router serves them.
fn contract_routes() -> Vec<(String, String)> {
    api::served_routes()
        .into_iter()
        .filter(|(_, path)| path.starts_with("/v1/") || path == "/healthz")
        .collect()
}

/// What is wrong with the description of one route, if anything.
fn faults(spec: &Value, method: &str, path: &str) -> Vec<String> {
    let operation = &spec["paths"][path][method];
    if !operation.is_object() {
        return vec![format!("{method} {path}: not described")];
    }
    let mut faults = Vec::new();
    let Some(responses) = operation["responses"].as_object() else {
        return vec![format!("{method} {path}: no responses")];
    };
    if !responses.keys().any(|s| s.starts_with('2')) {
        faults.push(format!("{method} {path}: no success response"));
    }
    for (status, response) in responses {
        let content = response["content"].as_object();
        let schemas: Vec<&Value> = content
            .into_iter()
            .flat_map(|c| c.values())
            .map(|c| &c["schema"])
            .collect();
        if schemas.is_empty() || schemas.iter().any(|s| !s.is_object()) {
            faults.push(format!("{method} {path} {status}: no response schema"));
        }
        if status.as_str() >= "400" {
            let problem = &response["content"]["application/problem+json"]["schema"]["$ref"];
            if problem != "#/components/schemas/ProblemDocument" {
                faults.push(format!("{method} {path} {status}: not a problem document"));
            }
        }
    }
    // Every `{parameter}` of the path is declared.
    for name in path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
    {
        let declared = operation["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
        if !declared {
            faults.push(format!(
                "{method} {path}: path parameter `{name}` undeclared"
            ));
        }
    }
    // A request with a body says what the body is.
    if method == "post" && !operation["requestBody"]["content"].is_object() {
        faults.push(format!("{method} {path}: no request body schema"));
    }
    faults
}

#[test]
fn every_route_served_has_its_request_and_response_schemas() {
    let spec = spec();
    let routes = contract_routes();
    // The contract's routes are all there: the annotated ones and the streams' by hand.
    for expected in [
        ("post", "/v1/events"),
        ("get", "/v1/streams/{stream}"),
        ("get", "/v1/proofs/act/{hash}"),
        ("get", "/v1/subscribe"),
        ("get", "/healthz"),
    ] {
        assert!(
            routes
                .iter()
                .any(|(m, p)| (m.as_str(), p.as_str()) == expected),
            "{expected:?} is not among the routes served: {routes:?}"
        );
    }
    let faults: Vec<String> = routes
        .iter()
        .flat_map(|(method, path)| faults(&spec, method, path))
        .collect();
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

#[test]
fn a_route_without_a_response_schema_is_caught() {
    let mut spec = spec();
    spec["paths"]["/healthz"]["get"]["responses"]["200"]
        .as_object_mut()
        .expect("a 200")
        .remove("content");
    assert_eq!(
        faults(&spec, "get", "/healthz"),
        vec!["get /healthz 200: no response schema".to_string()]
    );
    let mut spec = self::spec();
    spec["paths"]["/v1/events/{position}"]["get"]["responses"]["404"]["content"] =
        serde_json::json!({"text/plain": {"schema": {"type": "string"}}});
    assert_eq!(
        faults(&spec, "get", "/v1/events/{position}"),
        vec!["get /v1/events/{position} 404: not a problem document".to_string()]
    );
    assert_eq!(
        faults(&spec, "get", "/v1/no-such-route"),
        vec!["get /v1/no-such-route: not described".to_string()]
    );
}

#[test]
fn the_description_names_the_project_its_version_and_its_licence() {
    let info = &spec()["info"];
    let title = info["title"].as_str().unwrap_or_default();
    assert!(
        title.contains("Congress Ledger") && title.contains("Sổ cái đại hội"),
        "{title}"
    );
    // The workspace's own version and licence, as its Cargo.toml says them.
    let manifest = include_str!("../../Cargo.toml");
    let field = |name: &str| {
        manifest
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = \"")))
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or_else(|| panic!("the workspace has no `{name}`"))
    };
    assert_eq!(info["version"], field("version"));
    assert_eq!(info["license"]["identifier"], field("license"));
    assert_ne!(field("license"), "MIT OR Apache-2.0");
    assert!(info["contact"]["name"]
        .as_str()
        .is_some_and(|n| n.contains("Congress Ledger")));
    let description = info["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("Ghi các văn bản đã ký") && description.contains("Append signed"),
        "{description}"
    );
}
