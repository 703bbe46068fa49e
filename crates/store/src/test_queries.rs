//! What the store's unit tests ask a connection directly.

use diesel::sql_types::BigInt;
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use crate::connection::DbConnection;

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The number a query answers as `n` (`SELECT COUNT(*) AS n FROM …`).
pub fn number(conn: &mut DbConnection, sql: &str) -> QueryResult<i64> {
    Ok(diesel::sql_query(sql).get_result::<Number>(conn)?.n)
}
