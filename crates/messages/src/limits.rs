//! What one rendering may produce: each part is written into a [`CappedOutput`] that stops the
//! rendering once the part passes [`MAX_OUTPUT`] bytes, and no value a filter makes may be
//! longer than that either (see `builtins`).

use std::io;

/// The most bytes a part may render to (and the longest string a filter may make): the same
/// 256 KiB as the domain's `LONGEST_MESSAGE`, which it checks again on the tidied parts.
pub const MAX_OUTPUT: usize = 256 * 1024;

/// What a part renders to, refusing the write that would take it past [`MAX_OUTPUT`]: the
/// refusal stops minijinja there, before the rest is built.
#[derive(Default)]
pub(crate) struct CappedOutput {
    bytes: Vec<u8>,
    exceeded: bool,
}

impl CappedOutput {
    /// Whether a write was refused (the rendering then failed for that reason).
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded
    }

    pub(crate) fn into_string(self) -> String {
        // minijinja writes whole `str`s and a refused one is not written at all.
        String::from_utf8(self.bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

impl io::Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len().saturating_add(buf.len()) > MAX_OUTPUT {
            self.exceeded = true;
            return Err(io::Error::other("the part renders to more than MAX_OUTPUT bytes"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn refuses_the_write_past_the_cap_and_keeps_what_fit() {
        let mut out = CappedOutput::default();
        out.write_all(&vec![b'x'; MAX_OUTPUT - 1]).unwrap();
        out.write_all(b"y").unwrap();
        assert!(!out.exceeded());
        assert!(out.write_all(b"z").is_err());
        assert!(out.exceeded());
        let text = out.into_string();
        assert_eq!(text.len(), MAX_OUTPUT);
        assert!(text.ends_with('y'));
    }
}
