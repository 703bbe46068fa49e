//! Reads a server's database directly, as whoever steals a copy of it would.

use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};

use crate::{Backend, Storage};

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Text)]
    v: String,
}

fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Every non-null value of every column of every table, as text: (table.column, value).
pub fn every_value(storage: &Storage) -> Vec<(String, String)> {
    match storage.backend {
        Backend::Sqlite => {
            let path = storage.url.strip_prefix("sqlite://").unwrap();
            let mut conn = SqliteConnection::establish(path).unwrap();
            let tables: Vec<One> =
                diesel::sql_query("SELECT name AS v FROM sqlite_master WHERE type = 'table'")
                    .load(&mut conn)
                    .unwrap();
            let mut values = Vec::new();
            for table in tables.into_iter().map(|t| t.v) {
                let columns: Vec<One> = diesel::sql_query(format!(
                    "SELECT name AS v FROM pragma_table_info('{}')",
                    table.replace('\'', "''")
                ))
                .load(&mut conn)
                .unwrap();
                for column in columns.into_iter().map(|c| c.v) {
                    let rows: Vec<One> = diesel::sql_query(format!(
                        "SELECT CAST({c} AS TEXT) AS v FROM {t} WHERE {c} IS NOT NULL",
                        c = quoted(&column),
                        t = quoted(&table)
                    ))
                    .load(&mut conn)
                    .unwrap();
                    values.extend(rows.into_iter().map(|r| (format!("{table}.{column}"), r.v)));
                }
            }
            values
        }
        Backend::Postgres => {
            let mut conn = PgConnection::establish(&storage.url).unwrap();
            let columns: Vec<(String, String)> = diesel::sql_query(
                "SELECT table_name::text || '.' || column_name::text AS v FROM information_schema.columns \
                 WHERE table_schema = 'public'",
            )
            .load::<One>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|r| {
                let (t, c) = r.v.split_once('.').unwrap();
                (t.to_owned(), c.to_owned())
            })
            .collect();
            let mut values = Vec::new();
            for (table, column) in columns {
                let rows: Vec<One> = diesel::sql_query(format!(
                    "SELECT {c}::text AS v FROM {t} WHERE {c} IS NOT NULL",
                    c = quoted(&column),
                    t = quoted(&table)
                ))
                .load(&mut conn)
                .unwrap();
                values.extend(rows.into_iter().map(|r| (format!("{table}.{column}"), r.v)));
            }
            values
        }
    }
}

/// Runs `sql` on the server's database (to put it in a state an earlier version left).
pub fn execute(storage: &Storage, sql: &str) {
    match storage.backend {
        Backend::Sqlite => {
            let path = storage.url.strip_prefix("sqlite://").unwrap();
            diesel::sql_query(sql)
                .execute(&mut SqliteConnection::establish(path).unwrap())
                .unwrap();
        }
        Backend::Postgres => {
            diesel::sql_query(sql)
                .execute(&mut PgConnection::establish(&storage.url).unwrap())
                .unwrap();
        }
    }
}

/// The first column (as text, `AS v`) of every row `sql` selects.
pub fn strings(storage: &Storage, sql: &str) -> Vec<String> {
    let rows: Vec<One> = match storage.backend {
        Backend::Sqlite => {
            let path = storage.url.strip_prefix("sqlite://").unwrap();
            diesel::sql_query(sql)
                .load(&mut SqliteConnection::establish(path).unwrap())
                .unwrap()
        }
        Backend::Postgres => diesel::sql_query(sql)
            .load(&mut PgConnection::establish(&storage.url).unwrap())
            .unwrap(),
    };
    rows.into_iter().map(|r| r.v).collect()
}
