//! Wan's prompt cleaning before tokenizing (diffusers' `pipeline_wan.prompt_clean`):
//! `whitespace_clean(basic_clean(text))`.
//!
//! diffusers' `basic_clean` runs `ftfy.fix_text` when ftfy is installed, then
//! `html.unescape` twice, then strips. ftfy (mojibake repair, curly quotes to straight ones,
//! full-width to half-width, ...) is not reproduced here: the result equals diffusers' without
//! ftfy installed. HTML unescaping follows Python's `html.unescape` for numeric references
//! (decimal and hex, with or without `;`, including its replacements for invalid code points)
//! and for the named entities people type: `&amp; &lt; &gt; &quot; &apos;`, every Latin-1
//! entity (`&nbsp;` to `&yuml;`, also without `;` as HTML5's legacy rule allows) and common
//! typographic ones (`&hellip; &mdash; &ldquo; &euro; ...`). Other HTML5 names are left as
//! written. `whitespace_clean` collapses every run of Unicode whitespace into one space and
//! strips the ends.

/// diffusers' `prompt_clean` without ftfy (see the module docs).
pub fn prompt_clean(text: &str) -> String {
    let text = html_unescape(&html_unescape(text));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Latin-1 entities U+00A0..=U+00FF in code point order; HTML5 also accepts each of them (and
/// `amp lt gt quot` in both cases, `COPY REG`) without the `;`.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Legacy names (accepted without `;`) beyond Latin-1.
const LEGACY: [(&str, &str); 10] = [
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("AMP", "&"),
    ("LT", "<"),
    ("GT", ">"),
    ("QUOT", "\""),
    ("COPY", "\u{a9}"),
    ("REG", "\u{ae}"),
];

/// Common entities that need their `;`.
const WITH_SEMICOLON: [(&str, &str); 36] = [
    ("apos", "'"),
    ("hellip", "\u{2026}"),
    ("mdash", "\u{2014}"),
    ("ndash", "\u{2013}"),
    ("lsquo", "\u{2018}"),
    ("rsquo", "\u{2019}"),
    ("sbquo", "\u{201a}"),
    ("ldquo", "\u{201c}"),
    ("rdquo", "\u{201d}"),
    ("bdquo", "\u{201e}"),
    ("lsaquo", "\u{2039}"),
    ("rsaquo", "\u{203a}"),
    ("bull", "\u{2022}"),
    ("prime", "\u{2032}"),
    ("Prime", "\u{2033}"),
    ("trade", "\u{2122}"),
    ("euro", "\u{20ac}"),
    ("ensp", "\u{2002}"),
    ("emsp", "\u{2003}"),
    ("thinsp", "\u{2009}"),
    ("zwnj", "\u{200c}"),
    ("zwj", "\u{200d}"),
    ("lrm", "\u{200e}"),
    ("rlm", "\u{200f}"),
    ("dagger", "\u{2020}"),
    ("Dagger", "\u{2021}"),
    ("permil", "\u{2030}"),
    ("larr", "\u{2190}"),
    ("uarr", "\u{2191}"),
    ("rarr", "\u{2192}"),
    ("darr", "\u{2193}"),
    ("harr", "\u{2194}"),
    ("hearts", "\u{2665}"),
    ("spades", "\u{2660}"),
    ("clubs", "\u{2663}"),
    ("diams", "\u{2666}"),
];

/// A legacy name's replacement (valid with or without `;`).
fn legacy(name: &str) -> Option<String> {
    if let Some(i) = LATIN1.iter().position(|n| *n == name) {
        return char::from_u32(0xA0 + i as u32).map(String::from);
    }
    LEGACY
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| (*v).to_owned())
}

/// Python's `html.unescape` (numeric references fully, named ones from the tables above).
pub fn html_unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (replacement, consumed) = if let Some(num) = after.strip_prefix('#') {
            numeric(num)
        } else {
            named(after)
        };
        match replacement {
            Some(r) => {
                out.push_str(&r);
                rest = &after[consumed..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `&#...`: (replacement, bytes consumed after the `&`), or `None` when it is no reference.
fn numeric(num: &str) -> (Option<String>, usize) {
    let (hex, digits_start) = match num.as_bytes().first() {
        Some(b'x' | b'X') => (true, 1),
        _ => (false, 0),
    };
    let digits: &str = {
        let tail = &num[digits_start..];
        let len = tail
            .bytes()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        &tail[..len]
    };
    if digits.is_empty() {
        return (None, 0);
    }
    let mut consumed = 1 + digits_start + digits.len();
    if num[digits_start + digits.len()..].starts_with(';') {
        consumed += 1;
    }
    // Too long to parse: beyond Unicode either way.
    let value = u32::from_str_radix(digits, if hex { 16 } else { 10 }).unwrap_or(u32::MAX);
    (Some(char_reference(value)), consumed)
}

/// Python's rules for a numeric character reference.
fn char_reference(value: u32) -> String {
    const CP1252: [u32; 32] = [
        0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039,
        0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
        0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
    ];
    let replacement = '\u{fffd}';
    let c = match value {
        0 => replacement,
        0x0d => '\r',
        0x80..=0x9f => char::from_u32(CP1252[value as usize - 0x80]).unwrap_or(replacement),
        0xd800..=0xdfff => replacement,
        v if v > 0x10ffff => replacement,
        0x1..=0x8 | 0xb | 0xe..=0x1f | 0x7f | 0xfdd0..=0xfdef => return String::new(),
        v if v & 0xfffe == 0xfffe => return String::new(),
        v => char::from_u32(v).unwrap_or(replacement),
    };
    c.to_string()
}

/// `&name` (as Python: up to 32 characters other than tab, newline, form feed, space, `<`, `&`,
/// `#`, `;`, then an optional `;`): (replacement, bytes consumed after the `&`).
fn named(after: &str) -> (Option<String>, usize) {
    let name_len: usize = after
        .chars()
        .take_while(|c| !matches!(c, '\t' | '\n' | '\x0c' | ' ' | '<' | '&' | '#' | ';'))
        .take(32)
        .map(char::len_utf8)
        .sum();
    if name_len == 0 {
        return (None, 0);
    }
    let name = &after[..name_len];
    let semicolon = after[name_len..].starts_with(';');
    if semicolon {
        let full = WITH_SEMICOLON
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
            .or_else(|| legacy(name));
        if let Some(value) = full {
            return (Some(value), name_len + 1);
        }
    } else if let Some(value) = legacy(name) {
        return (Some(value), name_len);
    }
    // The longest legacy prefix (at least two characters), the rest kept: "&notit;" -> "¬it;".
    let ends: Vec<usize> = name.char_indices().map(|(i, _)| i).skip(2).collect();
    for &end in ends.iter().rev() {
        if let Some(value) = legacy(&name[..end]) {
            return (Some(value), end);
        }
    }
    (None, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values printed by diffusers' `prompt_clean` (Python 3.11, without ftfy).
    #[test]
    fn matches_diffusers_prompt_clean() {
        let cases = [
            ("a &amp; b", "a & b"),
            ("&amp;amp;", "&"),
            (
                "&lt;tag&gt; &quot;q&quot; &#39;s&#39; &apos;",
                "<tag> \"q\" 's' '",
            ),
            (
                "&ampxyz &notit; &hellip &hellip; &eacute;t&eacute;",
                "&xyz \u{ac}it; &hellip \u{2026} \u{e9}t\u{e9}",
            ),
            (
                "&#65;&#x42;&#X43 &#0; &#128; &#x9f; &#xD800; &#1114112; &#1; &#99999999999999;",
                "ABC \u{fffd} \u{20ac} \u{178} \u{fffd} \u{fffd} \u{fffd}",
            ),
            ("caf&eacute  na&iuml;ve", "caf\u{e9} na\u{ef}ve"),
            ("&unknown; & &; &#; &#x;", "&unknown; & &; &#; &#x;"),
            (
                "  tabs\tand\nnewlines\u{a0}nbsp\u{3000}ideo  ",
                "tabs and newlines nbsp ideo",
            ),
            ("&nbsp;&nbsp;x&nbsp;", "x"),
            ("&copy2024 &COPY; &AMP;", "\u{a9}2024 \u{a9} &"),
        ];
        for (input, expected) in cases {
            assert_eq!(prompt_clean(input), expected, "{input:?}");
        }
    }
}
