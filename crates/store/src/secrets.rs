use async_trait::async_trait;
use clientele_domain::ports::{InstanceSecrets, StoreError};
use diesel::prelude::*;

use crate::blocking::with_connection;
use crate::database::Database;
use crate::errors::from_diesel;
use crate::schema::instance_secrets::dsl;

#[async_trait]
impl InstanceSecrets for Database {
    async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<(String, bool), StoreError> {
        let (name, candidate) = (name.to_owned(), candidate.to_owned());
        with_connection(&self.pool, move |conn| {
            // Insert-if-absent then read: two instances starting at once agree on one value
            // (the loser's insert hits the primary key and it reads the winner's).
            let inserted = match diesel::insert_into(dsl::instance_secrets)
                .values((dsl::name.eq(&name), dsl::value.eq(&candidate)))
                .execute(&mut **conn)
                .map_err(from_diesel)
            {
                Ok(_) => true,
                Err(StoreError::Duplicate(_)) => false,
                Err(other) => return Err(other),
            };
            let stored = dsl::instance_secrets
                .filter(dsl::name.eq(&name))
                .select(dsl::value)
                .first::<String>(&mut **conn)
                .map_err(from_diesel)?;
            Ok((stored, inserted))
        })
        .await
    }

    async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
        let name = name.to_owned();
        with_connection(&self.pool, move |conn| {
            dsl::instance_secrets
                .filter(dsl::name.eq(&name))
                .select(dsl::value)
                .first::<String>(&mut **conn)
                .optional()
                .map_err(from_diesel)
        })
        .await
    }

    async fn remove(&self, name: &str) -> Result<(), StoreError> {
        let name = name.to_owned();
        with_connection(&self.pool, move |conn| {
            diesel::delete(dsl::instance_secrets.filter(dsl::name.eq(&name)))
                .execute(&mut **conn)
                .map_err(from_diesel)?;
            Ok(())
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        with_connection(&self.pool, |conn| {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
                .get_result::<i32>(&mut **conn)
                .map_err(from_diesel)?;
            Ok(())
        })
        .await
    }
}
