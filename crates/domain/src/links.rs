//! Links put into messages: relative ones are joined to the public base URL; absolute ones must
//! point to an allowed origin, so the service never mails a link to a host it does not trust.

/// `scheme://host[:port]`, lower-cased, of an absolute URL; `None` if `url` is not absolute.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.contains('\\') {
        return None;
    }
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

/// The origin of an absolute `http` or `https` URL, lower-cased.
pub fn web_origin(url: &str) -> Option<String> {
    origin(url).filter(|o| o.starts_with("http://") || o.starts_with("https://"))
}

/// Resolves `uri` (relative to `base`, or absolute on an `allowed` origin).
pub fn resolve(uri: &str, base: &str, allowed: &[String]) -> Result<String, String> {
    let uri = uri.trim();
    if uri.is_empty() || uri.chars().any(|c| c.is_control() || c == ' ') {
        return Err("must be a path such as /customers/do_reset or an allowed absolute URL".into());
    }
    if uri.starts_with('/') && !uri.starts_with("//") && !uri.contains('\\') {
        return Ok(format!("{}{}", base.trim_end_matches('/'), uri));
    }
    let Some(target) = origin(uri) else {
        return Err("must be a path such as /customers/do_reset or an allowed absolute URL".into());
    };
    let allowed = allowed
        .iter()
        .filter_map(|a| origin(a.trim().trim_end_matches('/')));
    if allowed.into_iter().any(|a| a == target) {
        Ok(uri.to_owned())
    } else {
        Err("points to a host that is not on the allow-list (CLIENTELE_ALLOWED_REDIRECTS)".into())
    }
}

/// Appends a path segment (a code) to a link, before any query or fragment.
pub fn with_segment(link: &str, segment: &str) -> String {
    let cut = link.find(['?', '#']).unwrap_or(link.len());
    let (path, tail) = link.split_at(cut);
    format!("{}/{}{}", path.trim_end_matches('/'), segment, tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["https://shop.example.com".into(), "http://localhost:3000/".into()]
    }

    #[test]
    fn relative_links_join_the_base() {
        assert_eq!(
            resolve("/customers/do_reset", "http://127.0.0.1:8080/", &[]).unwrap(),
            "http://127.0.0.1:8080/customers/do_reset"
        );
    }

    #[test]
    fn absolute_links_need_an_allowed_origin() {
        assert!(resolve("https://shop.example.com/reset", "http://b", &allowed()).is_ok());
        assert!(resolve("HTTPS://SHOP.example.com/reset", "http://b", &allowed()).is_ok());
        assert!(resolve("http://localhost:3000/r", "http://b", &allowed()).is_ok());
        for bad in [
            "https://evil.example/reset",
            "https://shop.example.com.evil.example/x",
            "https://shop.example.com@evil.example/x",
            "//evil.example/x",
            "/\\evil.example",
            "javascript:alert(1)",
            "http://localhost:3001/r",
            "reset",
            "",
        ] {
            assert!(resolve(bad, "http://b", &allowed()).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn segments_go_before_the_query() {
        assert_eq!(with_segment("https://a/b?x=1", "CODE"), "https://a/b/CODE?x=1");
        assert_eq!(with_segment("https://a/b/", "CODE"), "https://a/b/CODE");
    }
}
