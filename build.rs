//! The migrations are compiled into the binary (`embed_migrations!` in src/store/migrate.rs),
//! but cargo watches only the files a build read: a new migration folder alone would leave
//! an incremental build (a developer's, or the Dockerfile's cached target) with a binary
//! that never runs it. Watching the folders makes any change there rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
