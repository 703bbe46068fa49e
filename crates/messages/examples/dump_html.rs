//! Writes every shipped message's HTML part, rendered with the samples, to a folder (default
//! /tmp/message-html) as `{lang}-{kind}.html`, to look at in a browser or take screenshots of:
//! `cargo run -p clientele-messages --example dump_html [folder]`.

use std::path::PathBuf;

use clientele_domain::messages::{Language, MessageKind, Variables, COMMON};
use clientele_domain::ports::MessageRenderer;
use clientele_messages::{MinijinjaRenderer, LANGUAGES};

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/message-html".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let renderer = MinijinjaRenderer::new();
    for lang in LANGUAGES {
        let language = Language::parse(lang).expect("a shipped language");
        for kind in MessageKind::ALL {
            let mut variables = Variables::new();
            for var in COMMON.iter().chain(kind.variables()) {
                variables.set(var.name, var.sample);
            }
            variables.set("lang", *lang);
            let template = renderer.shipped(kind, &language).expect("shipped");
            let composed = renderer
                .render(&template, &variables)
                .unwrap_or_else(|p| panic!("{lang}/{kind}: {p}"));
            if let Some(html) = composed.html {
                let path = dir.join(format!("{lang}-{kind}.html"));
                std::fs::write(&path, html)?;
                println!("{}", path.display());
            }
        }
    }
    Ok(())
}
