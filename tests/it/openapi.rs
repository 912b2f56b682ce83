//! `/api/openapi.json`: generated from the handlers, it documents exactly the routes the
//! router serves (each method of each), says which are public, and its schemas hold the
//! fields the service really sends.

use crate::common;

use common::Backend;
use common::tokens::admin_key;
use serde_json::Value;
use std::collections::BTreeSet;

/// Routes a browser or provider may call without a NocoBase token.
const PUBLIC: &[&str] = &[
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/openapi.json",
    "/api/mailOAuth:callback",
    "/api/mailWebhooks:microsoft",
    "/api/mailWebhooks:google",
];

async fn document() -> (common::TestApp, Value) {
    let app = common::spawn_app(Backend::Sqlite).await.unwrap();
    let reply = app.get("/api/openapi.json").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert!(reply.json["openapi"].as_str().unwrap().starts_with("3."));
    (app, reply.json)
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|key| ["get", "post", "put", "patch", "delete"].contains(&key.as_str()))
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect()
}

#[tokio::test]
async fn the_document_lists_exactly_the_served_routes_and_methods() {
    let (_app, doc) = document().await;
    let served: BTreeSet<(String, String)> = email_manager::api::served_routes()
        .into_iter()
        .flat_map(|route| {
            route
                .methods
                .iter()
                .map(move |method| (route.path.clone(), method.to_string()))
        })
        .collect();
    let documented = documented(&doc);
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(phantom.is_empty(), "documented but not served: {phantom:?}");
    // Every action of the contract that exists so far.
    for action in [
        "mailProviders:list",
        "mailProviders:update",
        "mailAccounts:authorize",
        "mailOAuth:callback",
        "mailMessages:send",
        "mailAttachments:download",
        "mailThreads:get",
        "mailOutbox:destroy",
    ] {
        assert!(
            doc["paths"].get(format!("/api/{action}")).is_some(),
            "{action} is not documented"
        );
    }
    let ids: Vec<&str> = documented
        .iter()
        .map(|(path, method)| doc["paths"][path][method]["operationId"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "operation ids repeat: {ids:?}");
}

/// Every `$ref` below `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.push(target.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_in_the_document_resolves() {
    let (_app, doc) = document().await;
    let mut found = Vec::new();
    references(&doc, &mut found);
    assert!(!found.is_empty());
    let dangling: BTreeSet<&String> = found
        .iter()
        .filter(|target| {
            let name = target.trim_start_matches("#/components/schemas/");
            doc["components"]["schemas"].get(name).is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}

#[tokio::test]
async fn the_documented_security_is_what_the_service_does() {
    let (app, doc) = document().await;
    assert_eq!(
        doc["components"]["securitySchemes"]["nocobaseToken"]["scheme"],
        "bearer"
    );
    for (path, method) in documented(&doc) {
        let operation = &doc["paths"][&path][&method];
        let public = operation["security"] == serde_json::json!([{}]);
        assert_eq!(
            public,
            PUBLIC.contains(&path.as_str()),
            "{method} {path}: documented as public = {public}"
        );
        if !public {
            // No token: NocoBase's own 401, before anything else is looked at.
            let request = match method.as_str() {
                "get" => app.http.get(format!("{}{path}", app.address)),
                _ => app.http.post(format!("{}{path}", app.address)),
            };
            let reply = common::read(request.send().await.unwrap()).await;
            assert_eq!(
                reply.status, 401,
                "{method} {path} without a token: {}",
                reply.text
            );
            assert_eq!(reply.error_code(), "EMPTY_TOKEN");
            assert!(
                operation["responses"].get("401").is_some(),
                "{method} {path} does not document its 401"
            );
        }
    }
}

/// The properties a schema declares (following `$ref` and `allOf`), and those it requires.
fn properties(doc: &Value, schema: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return properties(doc, &doc["components"]["schemas"][name]);
    }
    let mut declared = BTreeSet::new();
    let mut required = BTreeSet::new();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (d, r) = properties(doc, part);
        declared.extend(d);
        required.extend(r);
    }
    for part in schema["oneOf"].as_array().into_iter().flatten() {
        declared.extend(properties(doc, part).0);
    }
    if let Some(props) = schema["properties"].as_object() {
        declared.extend(props.keys().cloned());
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        required.insert(name.as_str().unwrap().to_string());
    }
    (declared, required)
}

#[tokio::test]
async fn a_provider_row_and_the_list_envelope_match_their_schemas() {
    let (app, doc) = document().await;
    let reply = app
        .call("mailProviders:list", Some(&admin_key(1)), "", None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let envelope = &doc["paths"]["/api/mailProviders:list"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    let (top, top_required) = properties(&doc, envelope);
    let sent_top: BTreeSet<String> = reply.json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(sent_top, top);
    assert!(top_required.is_subset(&sent_top));
    let (meta, _) = properties(&doc, &doc["components"]["schemas"]["ListMeta"]);
    let sent_meta: BTreeSet<String> = reply.json["meta"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(sent_meta, meta);
    let (declared, required) = properties(&doc, &doc["components"]["schemas"]["ProviderView"]);
    for row in reply.json["data"].as_array().unwrap() {
        let sent: BTreeSet<String> = row.as_object().unwrap().keys().cloned().collect();
        let undeclared: Vec<_> = sent.difference(&declared).collect();
        assert!(
            undeclared.is_empty(),
            "sent but not in the schema: {undeclared:?}"
        );
        let missing: Vec<_> = required.difference(&sent).collect();
        assert!(missing.is_empty(), "required but not sent: {missing:?}");
    }
}
