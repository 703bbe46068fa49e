//! A value read from the database, held in memory under a key until a write changes it: tenant
//! settings, API keys, an account's loyalty standing. The same rules as the principals': it
//! answers only while its gate is open; writes of this process forget the keys they change once
//! they are over, and on PostgreSQL the change follower forgets what other instances change; a load
//! that began before an invalidation of its key does not put what it read (invalidations are
//! stamped with a generation).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::gate::Gate;

/// Most invalidation stamps remembered; past it one floor replaces them (every load that began
/// before it is refused), so memory stays bounded under any write load.
const STAMPS: usize = 4_096;

struct Entries<K, V> {
    values: HashMap<K, V>,
    /// The generation at which each key was last invalidated.
    stamps: HashMap<K, u64>,
    /// Loads that began before this generation are refused, whatever they read.
    floor: u64,
}

pub struct Remembered<K, V> {
    entries: Mutex<Entries<K, V>>,
    generation: AtomicU64,
    gate: Arc<Gate>,
    /// Most values held; past it the map starts over.
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V: Clone> Remembered<K, V> {
    pub fn new(gate: Arc<Gate>, capacity: usize) -> Self {
        Remembered {
            entries: Mutex::new(Entries {
                values: HashMap::new(),
                stamps: HashMap::new(),
                floor: 0,
            }),
            generation: AtomicU64::new(0),
            gate,
            capacity,
        }
    }

    fn entries(&self) -> MutexGuard<'_, Entries<K, V>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What is held under `key`, if memory may answer.
    pub fn get(&self, key: &K) -> Option<V> {
        if !self.gate.answering() {
            return None;
        }
        self.entries().values.get(key).cloned()
    }

    /// Taken before loading from the database; [`Self::put`] needs it unchanged.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Holds what a load that began at `generation` read, unless `key` was invalidated since.
    pub fn put(&self, generation: u64, key: K, value: V) {
        if !self.gate.answering() {
            return;
        }
        let mut dropped = None;
        {
            let mut entries = self.entries();
            let stale = entries.stamps.get(&key).is_some_and(|&at| at > generation);
            if generation < entries.floor || stale {
                return;
            }
            if entries.values.len() >= self.capacity {
                dropped = Some(std::mem::take(&mut entries.values));
            }
            entries.values.insert(key, value);
        }
        drop(dropped);
    }

    /// Changes the value held under the first key `which` picks, in place (bookkeeping that
    /// only moves forward, such as a last use).
    pub fn amend(&self, which: impl Fn(&V) -> bool, change: impl FnOnce(&mut V)) {
        let mut entries = self.entries();
        if let Some(value) = entries.values.values_mut().find(|v| which(v)) {
            change(value);
        }
    }

    /// `key` changed.
    pub fn invalidate(&self, key: &K) {
        let mut entries = self.entries();
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        if entries.stamps.len() >= STAMPS {
            entries.stamps.clear();
            entries.floor = generation;
        }
        entries.stamps.insert(key.clone(), generation);
        entries.values.remove(key);
    }

    /// Forgets everything: what was held may have changed unheard.
    pub fn clear(&self) {
        let dropped = {
            let mut entries = self.entries();
            let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
            entries.stamps.clear();
            entries.floor = generation;
            std::mem::take(&mut entries.values)
        };
        drop(dropped);
    }

    #[cfg(test)]
    fn bookkeeping(&self) -> usize {
        let entries = self.entries();
        entries.values.len() + entries.stamps.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn open() -> Remembered<u32, &'static str> {
        Remembered::new(Arc::new(Gate::new(true)), 100)
    }

    #[test]
    fn holds_until_its_key_changes() {
        let memory = open();
        memory.put(memory.generation(), 1, "one");
        memory.put(memory.generation(), 2, "two");
        assert_eq!(memory.get(&1), Some("one"));
        memory.invalidate(&1);
        assert_eq!(memory.get(&1), None);
        assert_eq!(memory.get(&2), Some("two"), "other keys stay");
        memory.clear();
        assert_eq!(memory.get(&2), None);
    }

    #[test]
    fn a_load_that_began_before_an_invalidation_of_its_key_is_not_held() {
        let memory = open();
        let began = memory.generation();
        memory.invalidate(&1);
        memory.put(began, 1, "stale");
        assert_eq!(memory.get(&1), None);

        let began = memory.generation();
        memory.invalidate(&2);
        memory.put(began, 1, "fresh");
        assert_eq!(
            memory.get(&1),
            Some("fresh"),
            "another key's change does not matter"
        );

        let began = memory.generation();
        memory.clear();
        memory.put(began, 1, "stale");
        assert_eq!(memory.get(&1), None, "everything forgotten during the load");
    }

    #[test]
    fn answers_only_while_the_gate_is_open() {
        let gate = Arc::new(Gate::new(false));
        let memory = Remembered::new(gate.clone(), 10);
        memory.put(memory.generation(), 1, "one");
        assert_eq!(memory.get(&1), None, "nothing is held while closed");
        gate.renew(Duration::from_secs(60));
        memory.put(memory.generation(), 1, "one");
        assert_eq!(memory.get(&1), Some("one"));
        gate.close();
        assert_eq!(memory.get(&1), None);
    }

    #[test]
    fn memory_stays_bounded_and_safe() {
        let memory = open();
        let began = memory.generation();
        memory.invalidate(&7);
        for key in 0..(STAMPS as u32 * 2) {
            memory.invalidate(&(1_000 + key));
            memory.put(memory.generation(), key, "x");
        }
        assert!(memory.bookkeeping() <= STAMPS + 100);
        memory.put(began, 7, "stale");
        assert_eq!(memory.get(&7), None, "older than forgotten stamps: refused");
    }

    #[test]
    fn amends_in_place() {
        let memory = open();
        memory.put(memory.generation(), 1, "one");
        memory.amend(|v| *v == "one", |v| *v = "uno");
        assert_eq!(memory.get(&1), Some("uno"));
    }
}
