//! The benchmarks' command-line options (`cargo bench --bench x -- --name value`).

/// The value after `--name`, if given.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|at| args.get(at + 1).cloned())
}

/// The comma-separated counts after `--name` (`default` when not given).
pub fn counts<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    arg(name)
        .unwrap_or_else(|| default.into())
        .split(',')
        .map(|c| {
            c.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name} takes counts, comma-separated"))
        })
        .collect()
}
