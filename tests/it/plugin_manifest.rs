//! `plugin-manifest.json`: the identity NocoBase's plugin manager shows, and routes that
//! match what the service serves.

use crate::common;

use common::{Backend, spawn_app};
use serde_json::Value;

fn manifest() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/plugin-manifest.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_manifest_names_the_plugin_in_our_own_scope() {
    let manifest = manifest();
    let name = manifest["name"].as_str().unwrap();
    assert!(
        name.starts_with('@') && !name.starts_with("@nocobase/"),
        "{name}"
    );
    assert_eq!(manifest["displayName"], "Email manager");
    assert_eq!(manifest["displayName.zh-CN"], "邮件管理");
    assert!(manifest["description"].as_str().unwrap().len() > 20);
    assert_eq!(manifest["nocobase"]["requiredVersion"], ">=1.6");
    assert_eq!(manifest["nocobase"]["settingsPage"]["key"], "email-manager");
}

#[tokio::test]
async fn every_resource_sits_under_the_routes_prefix_and_public_routes_are_the_documented_ones() {
    let manifest = manifest();
    let prefix = manifest["sidecar"]["routesPrefix"].as_str().unwrap();
    assert_eq!(prefix, "/api/mail");
    for resource in manifest["sidecar"]["resources"].as_array().unwrap() {
        assert!(format!("/api/{}", resource.as_str().unwrap()).starts_with(prefix));
    }
    // The service really serves the prefix: an admin action answers, not a 404.
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let reply = app.call("mailProviders:list", None, "", None).await;
    assert_eq!(reply.status, 401);
    let publics: Vec<&str> = manifest["sidecar"]["publicRoutes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(publics.contains(&"/api/mailOAuth:callback"));
    assert!(publics.iter().all(|p| p.starts_with(prefix)));
}

#[test]
fn the_plugin_package_carries_the_manifest_identity() {
    let manifest = manifest();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/nocobase-plugin/package.json");
    let package: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for key in [
        "name",
        "version",
        "displayName",
        "displayName.zh-CN",
        "displayName.pl-PL",
        "description",
        "description.zh-CN",
        "description.pl-PL",
        "keywords",
    ] {
        assert_eq!(
            package[key], manifest[key],
            "nocobase-plugin/package.json {key}"
        );
    }
    assert_eq!(package["main"], "./dist/server/index.js");
    assert_eq!(package["peerDependencies"]["@nocobase/server"], "2.x");
    assert_eq!(package["peerDependencies"]["@nocobase/client"], "2.x");
}

/// The manifest names every resource the service serves (a new one, such as `mailNotes`,
/// is not forgotten there), and nothing it does not serve.
#[test]
fn the_manifest_lists_exactly_the_served_resources() {
    let manifest = manifest();
    let listed: std::collections::BTreeSet<String> = manifest["sidecar"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    let served: std::collections::BTreeSet<String> = email_manager::api::served_routes()
        .into_iter()
        .filter_map(|route| {
            let action = route.path.strip_prefix("/api/")?;
            Some(action.split(':').next()?.to_string()).filter(|r| r.starts_with("mail"))
        })
        .collect();
    assert_eq!(listed, served);
}
