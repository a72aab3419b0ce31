//! The API's contract, `/openapi.json`: an answer checked against the schema its description
//! gives for its route, status and content type, with the `jsonschema` crate over the
//! description's component schemas.

use serde_json::{json, Value};

pub struct Contract {
    spec: Value,
}

impl Contract {
    /// The description a server serves.
    pub fn of(base: &str) -> Contract {
        let spec = ureq::get(&format!("{base}/openapi.json"))
            .call()
            .expect("/openapi.json answers")
            .into_json()
            .expect("/openapi.json is JSON");
        Contract { spec }
    }

    /// The described path (`/v1/proofs/act/{hash}`) that a request's path matches; a last
    /// parameter takes the rest of the path (`/v1/streams/{stream}`).
    fn template(&self, path: &str) -> Option<String> {
        let path = path.split('?').next().unwrap_or(path);
        let parts: Vec<&str> = path.split('/').collect();
        let paths = self.spec["paths"].as_object()?;
        let matches = |template: &str| {
            let t: Vec<&str> = template.split('/').collect();
            let param = |s: &str| s.starts_with('{') && s.ends_with('}');
            let fixed = |(a, b): (&&str, &&str)| param(a) || a == b;
            if t.len() == parts.len() {
                t.iter().zip(parts.iter()).all(fixed)
            } else {
                t.len() < parts.len()
                    && t.last().is_some_and(|l| param(l))
                    && t.iter().zip(parts.iter()).all(fixed)
            }
        };
        // A template of fixed segments wins over one that would take them as parameters.
        let mut found: Vec<&String> = paths.keys().filter(|t| matches(t)).collect();
        found.sort_by_key(|t| t.matches('{').count());
        found.first().map(|t| t.to_string())
    }

    /// Checks an answer to `method path` against its schema: why it does not conform, if it
    /// does not (an answer the description does not describe does not conform).
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: &str,
    ) -> Result<(), String> {
        let what = format!("{method} {path} → {status} {content_type}");
        let template = self
            .template(path)
            .ok_or_else(|| format!("{what}: no such route in /openapi.json"))?;
        let response =
            &self.spec["paths"][&template][method.to_lowercase()]["responses"][status.to_string()];
        let media = content_type.split(';').next().unwrap_or_default().trim();
        let schema = &response["content"][media]["schema"];
        if !schema.is_object() {
            return Err(format!("{what}: /openapi.json gives no schema for it"));
        }
        let instance: Value = if media.ends_with("json") {
            serde_json::from_str(body).map_err(|e| format!("{what}: not JSON: {e}"))?
        } else {
            Value::String(body.to_string())
        };
        let document = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.spec["components"],
            "allOf": [schema],
        });
        let validator = jsonschema::validator_for(&document)
            .map_err(|e| format!("{what}: the schema does not compile: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: {}", errors.join("; ")))
        }
    }
}
