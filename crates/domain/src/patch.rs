/// One field of a partial update: leave it as it is, or set it (to `None` to clear an optional
/// field). PUT surfaces turn absent fields into `Set(None)`, PATCH surfaces into `Keep`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Set(T),
}

impl<T> Patch<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Set(value) => Patch::Set(f(value)),
        }
    }

    pub fn apply_to(self, target: &mut T) {
        if let Patch::Set(value) = self {
            *target = value;
        }
    }

    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }
}

impl<T> Patch<Option<T>> {
    /// Validates a set value with `parse`; `Keep` and clearing need no validation.
    pub fn try_map<U, E>(self, parse: impl FnOnce(T) -> Result<U, E>) -> Result<Patch<Option<U>>, E> {
        Ok(match self {
            Patch::Keep => Patch::Keep,
            Patch::Set(None) => Patch::Set(None),
            Patch::Set(Some(value)) => Patch::Set(Some(parse(value)?)),
        })
    }
}
