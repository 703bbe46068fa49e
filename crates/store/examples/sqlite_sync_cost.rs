//! What `PRAGMA synchronous = FULL` costs against `NORMAL` in WAL mode: N small write
//! transactions (one `INSERT` each, the shape of a short unit of work) on a fresh file per
//! setting, timed. Prints commits/s and the mean time per commit; asserts nothing.
//!
//! `cargo run --release -p clientele-store --example sqlite_sync_cost -- [COMMITS] [DIR]`
//! DIR defaults to `data/` under the current directory: measure on the disk the database will
//! live on (a tmpfs would hide the cost of flushing).

use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

fn run(dir: &std::path::Path, synchronous: &str, commits: usize) -> f64 {
    let path = dir.join(format!(
        "sync-cost-{}-{}.db",
        synchronous.to_lowercase(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let mut conn = SqliteConnection::establish(path.to_str().expect("UTF-8 path")).expect("opening");
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
         CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
    ))
    .expect("setting up");
    let started = Instant::now();
    for i in 0..commits {
        conn.immediate_transaction(|conn| {
            conn.batch_execute(&format!(
                "INSERT INTO t (body) VALUES ('message {i} of a few dozen bytes')"
            ))
        })
        .expect("committing");
    }
    let seconds = started.elapsed().as_secs_f64();
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    seconds
}

fn main() {
    let mut args = std::env::args().skip(1);
    let commits: usize = args
        .next()
        .map_or(2000, |n| n.parse().expect("COMMITS is a number"));
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "data".into()));
    std::fs::create_dir_all(&dir).expect("creating DIR");
    println!("{commits} commits per setting, WAL mode, in {}", dir.display());
    for synchronous in ["NORMAL", "FULL", "NORMAL", "FULL"] {
        let seconds = run(&dir, synchronous, commits);
        println!(
            "synchronous = {synchronous:<6}  {:>8.0} commits/s  {:>7.3} ms per commit",
            commits as f64 / seconds,
            seconds * 1000.0 / commits as f64
        );
    }
}
