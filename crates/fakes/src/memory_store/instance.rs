//! Values generated once per installation, and the readiness probe.

use super::*;

#[async_trait]
impl InstanceSecrets for MemoryStore {
    async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<(String, bool), StoreError> {
        let mut state = self.state();
        if let Some(existing) = state.secrets.get(name) {
            return Ok((existing.clone(), false));
        }
        state.secrets.insert(name.to_owned(), candidate.to_owned());
        Ok((candidate.to_owned(), true))
    }

    async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.state().secrets.get(name).cloned())
    }

    async fn remove(&self, name: &str) -> Result<(), StoreError> {
        self.state().secrets.remove(name);
        Ok(())
    }
}

#[async_trait]
impl clientele_domain::ports::Readiness for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
