//! What fits in one text message: 160 characters of the GSM 7-bit alphabet (GSM 03.38), the
//! characters of its extension table counting twice. Anything else makes a carrier send the
//! text as UCS-2, 70 characters a segment.

const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const EXTENDED: &str = "\u{c}^{}\\[~]|€";

/// One segment's length in septets.
pub const SEGMENT: usize = 160;

/// The text's length in septets, or `None` when a character is outside the GSM 7-bit alphabet.
pub fn septets(text: &str) -> Option<usize> {
    text.chars().try_fold(0, |n, c| {
        if BASIC.contains(c) {
            Some(n + 1)
        } else if EXTENDED.contains(c) {
            Some(n + 2)
        } else {
            None
        }
    })
}

/// The longest brand name a text message carries, in characters.
pub const BRAND_IN_TEXT: usize = 40;

/// `brand` as a text message can carry it: the typographic dashes and quotes a name may have
/// as their plain forms, any other character outside the GSM 7-bit alphabet left out, at most
/// [`BRAND_IN_TEXT`] characters. So every shipped text fits one segment whatever the brand.
pub fn brand_for_text(brand: &str) -> String {
    let plain: String = brand
        .chars()
        .filter_map(|c| match c {
            '–' | '—' | '‐' | '‑' => Some('-'),
            '‘' | '’' | '‚' | '′' => Some('\''),
            '“' | '”' | '„' | '″' => Some('"'),
            ' ' | '\u{a0}' => Some(' '),
            c if c != '\n' && c != '\r' && BASIC.contains(c) => Some(c),
            _ => None,
        })
        .collect();
    plain
        .trim()
        .chars()
        .take(BRAND_IN_TEXT)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// Why `text` would not go as one GSM-7 segment, if it would not.
pub fn one_segment_problem(text: &str) -> Option<String> {
    match septets(text) {
        None => {
            let odd: String = text
                .chars()
                .filter(|c| !BASIC.contains(*c) && !EXTENDED.contains(*c))
                .take(5)
                .collect();
            Some(format!(
                "must use only the GSM 7-bit alphabet (one text message); these characters are not in it: {odd:?}"
            ))
        }
        Some(n) if n > SEGMENT => Some(format!(
            "must fit one text message, {SEGMENT} GSM characters; it takes {n}"
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_septets() {
        assert_eq!(septets("Code: 123456"), Some(12));
        assert_eq!(septets("Bestätigungscode für Müller"), Some(27));
        assert_eq!(septets("[€]"), Some(6));
        assert_eq!(septets("emoji 🙂"), None);
        assert_eq!(septets("ç"), None, "only the capital Ç is in the basic table");
    }

    #[test]
    fn a_brand_is_fitted_for_a_text() {
        assert_eq!(brand_for_text("Müller – Kundenkonto"), "Müller - Kundenkonto");
        assert_eq!(brand_for_text("Macy’s 🙂 Store"), "Macy's  Store");
        assert_eq!(brand_for_text(&"Brand ".repeat(20)).chars().count(), 40);
        assert_eq!(brand_for_text("東京 Shop"), "Shop");
    }

    #[test]
    fn one_segment() {
        assert!(one_segment_problem(&"a".repeat(160)).is_none());
        assert!(one_segment_problem(&"a".repeat(161)).unwrap().contains("161"));
        assert!(one_segment_problem("Ваш код").unwrap().contains("GSM"));
    }
}
