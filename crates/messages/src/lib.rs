//! Message rendering for Clientele: the shipped templates of every message kind in each
//! language, and minijinja to render them and tenants' own (the domain's
//! [`MessageRenderer`](clientele_domain::ports::MessageRenderer) port).

mod builtins;
mod limits;
mod problems;
mod renderer;
mod sandbox;
mod shipped;
mod text_wrap;

pub use limits::MAX_OUTPUT;
pub use renderer::MinijinjaRenderer;
pub use shipped::LANGUAGES;
pub use text_wrap::{tidy_text, WIDTH};
