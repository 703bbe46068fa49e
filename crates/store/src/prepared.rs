//! Diesel prepares and keeps no `UPDATE` (a changeset may leave out its `None` fields, so the
//! SQL of one query type can vary): each is parsed and planned again on every call. For the
//! hottest write, a profile edit (every column of the account and a subquery), PostgreSQL spent
//! more on that than on the update itself. [`PreparedUpdate`] is an `UPDATE` whose SQL is the
//! same on every call, under a key of its own: each connection prepares it once.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl, Table};

/// `UPDATE table SET changeset WHERE filter`, prepared once per connection under the key `K`
/// (a type of its own for each place that uses it). Only for a changeset that sets every
/// column it names on every call (`treat_none_as_null`).
pub struct PreparedUpdate<T: Table, C, W, K> {
    table: T::FromClause,
    changeset: C,
    filter: W,
    key: PhantomData<K>,
}

impl<T: Table, C, W, K> PreparedUpdate<T, C, W, K> {
    pub fn new(table: T, changeset: C, filter: W) -> Self {
        PreparedUpdate {
            table: table.from_clause(),
            changeset,
            filter,
            key: PhantomData,
        }
    }
}

impl<T: Table, C, W, K: 'static> QueryId for PreparedUpdate<T, C, W, K> {
    type QueryId = K;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<T, C, W, K, DB> QueryFragment<DB> for PreparedUpdate<T, C, W, K>
where
    DB: Backend,
    T: Table,
    T::FromClause: QueryFragment<DB>,
    C: QueryFragment<DB>,
    W: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        self.table.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.changeset.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

impl<T: Table, C, W, K, Conn> RunQueryDsl<Conn> for PreparedUpdate<T, C, W, K> {}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;
    use diesel::prelude::*;

    use super::*;
    use crate::schema::accounts;

    struct Key;

    #[test]
    fn is_an_update_kept_prepared_also_when_passed_by_reference() {
        let update = PreparedUpdate::<_, _, _, Key>::new(
            accounts::table,
            (accounts::nickname.eq("Nick"), accounts::version.eq(2_i64)).as_changeset(),
            accounts::uuid.eq("u").and(accounts::version.eq(1_i64)),
        );
        let sql = diesel::debug_query::<Pg, _>(&update).to_string();
        assert!(
            sql.starts_with(
                r#"UPDATE "accounts" SET "nickname" = $1, "version" = $2 WHERE (("accounts"."uuid" = $3) AND ("accounts"."version" = $4))"#
            ),
            "{sql}"
        );
        assert!(<PreparedUpdate<accounts::table, (), (), Key> as QueryId>::query_id().is_some());
        // Connections see it through a reference, which answers from walking it: diesel's own
        // UPDATE says there that it must not be kept.
        assert!(QueryFragment::<Pg>::is_safe_to_cache_prepared(&&update, &Pg).unwrap());
        let plain =
            diesel::update(accounts::table.filter(accounts::uuid.eq("u"))).set(accounts::nickname.eq("Nick"));
        assert!(!QueryFragment::<Pg>::is_safe_to_cache_prepared(&&plain, &Pg).unwrap());
    }

    /// The one statement kept under a key must be the same SQL whatever the row holds: an
    /// account row sets every column, `None` as `NULL`.
    #[test]
    fn an_account_row_sets_the_same_columns_whatever_it_holds() {
        use clientele_domain::account::Account;
        use clientele_domain::values::{Email, Name};
        let bare = crate::test_values::bare_account();
        let mut full = bare.clone();
        full.email = Some(Email::parse("ann@example.com").unwrap());
        full.external_id = Some("legacy-1".into());
        full.profile.first_name = Some(Name::parse("Ann").unwrap());
        full.profile.nickname = Some(Name::parse("Annie").unwrap());
        let sql = |account: &Account| {
            let row = crate::rows::AccountRow::from(account);
            let update = PreparedUpdate::<_, _, _, Key>::new(
                accounts::table,
                (&row).as_changeset(),
                accounts::uuid.eq(row.uuid.clone()),
            );
            let text = diesel::debug_query::<Pg, _>(&update).to_string();
            text[..text.find(" -- binds").unwrap()].to_owned()
        };
        assert_eq!(sql(&bare), sql(&full));
    }
}
