//! The layers of `docs/architecture.md`, held: each part below imports only the parts the
//! table allows (read off `crate::<part>` paths in its source). A new import across a
//! line fails here with the file that made it, instead of slowly tangling the tree.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A part, and the parts of the crate it may import.
const RULES: &[(&str, &[&str])] = &[
    // The query model: what a listing asks for, apart from HTTP and SQL.
    ("query", &[]),
    // Pure mail handling: MIME in, stored fields and sanitized HTML out.
    ("mail", &[]),
    ("config", &[]),
    // Ids that must not be swapped.
    ("ids", &[]),
    ("crypto", &["config"]),
    ("limits", &["config"]),
    ("jobs", &["metrics"]),
    // Who sees what of a mailbox, as a value: the store answers it, resources apply it.
    ("visibility", &[]),
    // Where a server a user names may be reached (the SSRF boundary).
    ("net", &[]),
    // The provider clients: the wire, and each operation's quota cost; no tokens, no
    // budget, no database.
    ("providers", &["mail", "metrics", "net"]),
    // An IMAP mailbox's servers, password and the admin's rules: sessions, writes, sends.
    (
        "imap_account",
        &["mail", "net", "providers", "state", "store", "sync"],
    ),
    // Mail merge's runner: hands recipients to the outbox; sending is `send`'s.
    (
        "campaigns",
        &[
            "config",
            "jobs",
            "mail",
            "providers",
            "send",
            "state",
            "store",
        ],
    ),
    // The one way to call a provider for a mailbox: budget, token, retries.
    ("gateway", &["config", "oauth", "providers", "state"]),
    // The database: compiles the query model, never sees a request.
    (
        "store",
        &[
            "config",
            "crypto",
            "events",
            "ids",
            "mail",
            "providers",
            "query",
            "visibility",
        ],
    ),
];

fn sources(part: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let file = root.join(format!("{part}.rs"));
    if file.exists() {
        found.push(file);
    }
    let mut folders = vec![root.join(part)];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found
}

/// The parts of the crate a source file names (`crate::<part>`).
fn imports(text: &str) -> BTreeSet<String> {
    text.match_indices("crate::")
        .map(|(at, _)| {
            text[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect::<String>()
        })
        .filter(|part| !part.is_empty())
        .collect()
}

#[test]
fn each_part_imports_only_what_its_layer_allows() {
    let mut broken = Vec::new();
    for (part, allowed) in RULES {
        let files = sources(part);
        assert!(!files.is_empty(), "no source for {part}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for import in imports(&text) {
                if import != *part && !allowed.contains(&import.as_str()) {
                    broken.push(format!("{} imports crate::{import}", file.display()));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports across the layers of docs/architecture.md:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_rule_reader_sees_imports() {
    assert_eq!(
        imports("use crate::http::ApiError;\nlet x = crate::store::run;"),
        BTreeSet::from(["http".to_string(), "store".to_string()])
    );
}
