// `sqlx::migrate!` embeds the migration folders at compile time; without
// this, adding a migration file does not rebuild the crate, and the binary
// runs without it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
