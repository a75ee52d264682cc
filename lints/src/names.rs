//! Name matching on whole words: `smtp_password` and `stripeApiKey` end with a
//! listed secret, `password_policy` and `api_key_id` do not.

/// An identifier or path segment kept in the facts. Nearly all are at most 24 bytes and
/// sit inline: a workspace has hundreds of thousands, and the model and rules compare them
/// without following a pointer to the heap.
pub type Name = compact_str::CompactString;

/// An identifier's text (`r#` kept for a raw one) as a [`Name`], without a heap copy.
pub fn ident_name(ident: &proc_macro2::Ident) -> Name {
    // proc-macro2 only gives an identifier's text through `Display`, in one or two pieces
    // (`r#`, then the name). `CompactString`'s own `fmt::Write` reserves on every write and
    // cost more than the allocation it saves; the first piece is taken as it comes.
    let mut printed = NamePrinter(Name::default());
    match std::fmt::Write::write_fmt(&mut printed, format_args!("{ident}")) {
        Ok(()) => printed.0,
        Err(_) => Name::from(ident.to_string()),
    }
}

struct NamePrinter(Name);

impl std::fmt::Write for NamePrinter {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        if self.0.is_empty() {
            self.0 = Name::from(text);
        } else {
            self.0.push_str(text);
        }
        Ok(())
    }
}

/// Whether `path` ends with the segments of `suffix` (`["db", "query"]` ends with `["query"]`).
pub fn ends_with(path: &[Name], suffix: &[String]) -> bool {
    path.len() >= suffix.len()
        && path[path.len() - suffix.len()..]
            .iter()
            .zip(suffix)
            .all(|(segment, wanted)| segment == wanted)
}

/// A path's segments after any leading `crate`, `self` and `super`, which the call graph and
/// the path patterns match without: `crate::audit::record` and `audit::record` are one name.
pub fn without_path_root<S: AsRef<str>>(segments: &[S]) -> &[S] {
    let root = segments
        .iter()
        .take_while(|segment| matches!(segment.as_ref(), "crate" | "self" | "super"))
        .count();
    &segments[root..]
}

/// Splits an identifier into lowercase words at `_`, `-` and camelCase humps
/// (`HTTPServer` → `http`, `server`).
pub fn words(identifier: &str) -> Vec<String> {
    // Called for most names of the workspace by several rules: one pass, each word copied once.
    if identifier.is_ascii() {
        ascii_words(identifier)
    } else {
        any_words(identifier)
    }
}

fn any_words(identifier: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut chars = identifier.chars().peekable();
    let mut previous: Option<char> = None;
    while let Some(c) = chars.next() {
        if c == '_' || c == '-' || c == ' ' || c == '.' {
            flush(&mut words, &mut current);
            previous = Some(c);
            continue;
        }
        if c.is_uppercase() && !current.is_empty() {
            let previous_lower = previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
            let next_lower = chars.peek().is_some_and(|n| n.is_lowercase());
            let previous_upper = previous.is_some_and(char::is_uppercase);
            if previous_lower || (previous_upper && next_lower) {
                flush(&mut words, &mut current);
            }
        }
        if c.is_ascii() {
            current.push(c.to_ascii_lowercase());
        } else {
            current.extend(c.to_lowercase());
        }
        previous = Some(c);
    }
    flush(&mut words, &mut current);
    words
}

/// Whether one of the words of `identifier` (as [`words`] splits it) is one of `listed`,
/// which are lowercase: `has_word("userRoles", &["roles"])`. No word is copied.
pub fn has_word(identifier: &str, listed: &[&str]) -> bool {
    if identifier.is_ascii() {
        ascii_word_ranges(identifier, |word| {
            listed.iter().any(|entry| entry.eq_ignore_ascii_case(word))
        })
    } else {
        any_words(identifier)
            .iter()
            .any(|word| listed.contains(&word.as_str()))
    }
}

/// Whether `test` holds for one of the words of `identifier`, given with its position, in
/// order, as [`words`] splits and lowercases them; stops at the first that does. An ASCII
/// word is lowercased on the stack: rules ask this of every call name of the workspace.
pub fn any_word(identifier: &str, mut test: impl FnMut(usize, &str) -> bool) -> bool {
    if !identifier.is_ascii() {
        return any_words(identifier)
            .iter()
            .enumerate()
            .any(|(index, word)| test(index, word));
    }
    let mut buffer = [0u8; 64];
    let mut index = 0;
    ascii_word_ranges(identifier, |word| {
        let found = match buffer.get_mut(..word.len()) {
            Some(lower) => {
                lower.copy_from_slice(word.as_bytes());
                lower.make_ascii_lowercase();
                // Lowercased ASCII is still ASCII, so this never falls back.
                test(index, std::str::from_utf8(lower).unwrap_or_default())
            }
            None => test(index, &word.to_ascii_lowercase()),
        };
        index += 1;
        found
    })
}

/// [`words`] for ASCII names, which are nearly all of them: boundaries by byte, then each
/// word lowercased into a string of its own length.
fn ascii_words(identifier: &str) -> Vec<String> {
    let mut words = Vec::new();
    ascii_word_ranges(identifier, |word| {
        words.push(word.to_ascii_lowercase());
        false
    });
    words
}

/// Calls `visit` with each word of an ASCII `identifier`, in its own case, until it
/// returns `true`; whether one did.
fn ascii_word_ranges(identifier: &str, mut visit: impl FnMut(&str) -> bool) -> bool {
    // Every byte of an ASCII string is a character boundary.
    let mut visit_nonempty = |word: &str| !word.is_empty() && visit(word);
    let bytes = identifier.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if matches!(byte, b'_' | b'-' | b' ' | b'.') {
            if visit_nonempty(&identifier[start..i]) {
                return true;
            }
            start = i + 1;
        } else if byte.is_ascii_uppercase() && i > start {
            let previous = bytes[i - 1];
            let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            if previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_lower)
            {
                if visit_nonempty(&identifier[start..i]) {
                    return true;
                }
                start = i;
            }
        }
    }
    visit_nonempty(&identifier[start..])
}

fn flush(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// A set of listed names, each matched as a whole-word suffix.
#[derive(Clone, Debug, Default)]
pub struct NameList {
    entries: Vec<Vec<String>>,
}

impl NameList {
    pub fn new<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut entries: Vec<Vec<String>> = names
            .into_iter()
            .map(|name| words(name.as_ref()))
            .filter(|words| !words.is_empty())
            .collect();
        entries.sort();
        entries.dedup();
        NameList { entries }
    }

    /// The listed name `identifier` ends with, if any (`smtp_password` → `password`).
    pub fn suffix_match(&self, identifier: &str) -> Option<String> {
        let words = words(identifier);
        self.entries
            .iter()
            .filter(|entry| words.ends_with(entry))
            .max_by_key(|entry| entry.len())
            .map(|entry| entry.join("_"))
    }

    /// Whether `identifier` is exactly one of the listed names.
    pub fn exact_match(&self, identifier: &str) -> bool {
        let words = words(identifier);
        self.entries.contains(&words)
    }
}

/// Collects into a vector of exactly the iterator's length. `collect` cannot trust the
/// length of syn's punctuated lists (or a `map` over them) and leaves room for at least four
/// items; most argument lists and paths hold one or two, and the index keeps them all.
pub fn exact<T>(items: impl ExactSizeIterator<Item = T>) -> Vec<T> {
    let mut collected = Vec::with_capacity(items.len());
    collected.extend(items);
    collected
}

/// The names of a path's segments (`a::b::C` → `a`, `b`, `C`), exactly as many.
pub fn segment_names(path: &syn::Path) -> Vec<Name> {
    exact(path.segments.iter().map(|s| ident_name(&s.ident)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identifier_name_is_its_printed_text() {
        let file: syn::File = syn::parse_str(
            "fn r#match(tenant_id: u8, Größe: u8, a_name_longer_than_twenty_four_bytes: u8, r#type: u8) {}",
        )
        .unwrap();
        let syn::Item::Fn(function) = &file.items[0] else {
            panic!("a function");
        };
        let mut idents = vec![function.sig.ident.clone()];
        idents.extend(function.sig.inputs.iter().map(|input| match input {
            syn::FnArg::Typed(typed) => match &*typed.pat {
                syn::Pat::Ident(pat) => pat.ident.clone(),
                _ => panic!("an identifier pattern"),
            },
            syn::FnArg::Receiver(_) => panic!("no self"),
        }));
        let names: Vec<Name> = idents.iter().map(ident_name).collect();
        assert_eq!(
            names,
            [
                "r#match",
                "tenant_id",
                "Größe",
                "a_name_longer_than_twenty_four_bytes",
                "r#type"
            ]
        );
        for (ident, name) in idents.iter().zip(&names) {
            assert_eq!(*name, ident.to_string());
        }
        // Short names sit inline; a long one on the heap, like a `String`.
        assert!(!names[1].is_heap_allocated());
        assert!(names[3].is_heap_allocated());
    }

    #[test]
    fn path_suffixes_compare_segment_by_segment() {
        let path: Vec<Name> = ["db", "graph", "query"].map(Name::from).to_vec();
        let suffix = |parts: &[&str]| {
            parts
                .iter()
                .map(|part| part.to_string())
                .collect::<Vec<_>>()
        };
        assert!(ends_with(&path, &suffix(&["query"])));
        assert!(ends_with(&path, &suffix(&["graph", "query"])));
        assert!(ends_with(&path, &suffix(&[])));
        assert!(!ends_with(&path, &suffix(&["db", "query"])));
        assert!(!ends_with(&path, &suffix(&["graphquery"])));
        assert!(!ends_with(&path, &suffix(&["x", "db", "graph", "query"])));
    }

    #[test]
    fn splits_snake_and_camel_case() {
        assert_eq!(words("smtp_password"), ["smtp", "password"]);
        assert_eq!(words("stripeApiKey"), ["stripe", "api", "key"]);
        assert_eq!(words("HTTPServer"), ["http", "server"]);
        assert_eq!(words("ApiKey"), ["api", "key"]);
        assert_eq!(words("partner-admin"), ["partner", "admin"]);
        assert_eq!(words("oauth2Token"), ["oauth2", "token"]);
        assert_eq!(words("tenant.ID"), ["tenant", "id"]);
        assert_eq!(words("__Tenant__Id__"), ["tenant", "id"]);
        assert_eq!(words("ÜberTenantÉtat"), ["über", "tenant", "état"]);
        assert_eq!(words("ABC"), ["abc"]);
        assert_eq!(words("aB"), ["a", "b"]);
        assert!(words("").is_empty() && words("_-. ").is_empty());
    }

    #[test]
    fn ascii_words_split_like_any_words() {
        // Every name up to five characters over the letters that decide a split.
        let alphabet = ['a', 'B', 'C', '1', '_', '-', '.', ' '];
        let mut names = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = names
                .iter()
                .flat_map(|name| alphabet.iter().map(move |c| format!("{name}{c}")))
                .collect();
            names.extend(longer);
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 37_449);
        for name in &names {
            assert_eq!(ascii_words(name), any_words(name), "{name:?}");
        }
        for name in names
            .iter()
            .map(String::as_str)
            .chain(["ÜberRoles", "rôle_roles"])
        {
            for listed in [&["a", "b1"][..], &["bc"], &["roles"], &[]] {
                let expected = words(name)
                    .iter()
                    .any(|word| listed.contains(&word.as_str()));
                assert_eq!(has_word(name, listed), expected, "{name:?} {listed:?}");
            }
        }
    }

    #[test]
    fn path_roots_are_dropped_from_the_front_only() {
        let root = |path: &str| -> Vec<String> {
            let segments: Vec<&str> = path.split("::").collect();
            without_path_root(&segments)
                .iter()
                .map(|s| s.to_string())
                .collect()
        };
        assert_eq!(root("crate::audit::record"), ["audit", "record"]);
        assert_eq!(root("super::super::db::run"), ["db", "run"]);
        assert_eq!(root("audit::self::record"), ["audit", "self", "record"]);
        assert!(root("crate").is_empty());
    }

    #[test]
    fn any_word_sees_the_words_words_returns() {
        let long = format!("get_{}_usage", "x".repeat(70));
        for name in [
            "HTTPServer",
            "recordUsage",
            "get_invoices",
            "ÜberRoles",
            "",
            "__",
            &long,
        ] {
            let mut seen = Vec::new();
            let found = any_word(name, |index, word| {
                seen.push((index, word.to_owned()));
                false
            });
            let expected: Vec<(usize, String)> = words(name).into_iter().enumerate().collect();
            assert!(!found);
            assert_eq!(seen, expected, "{name:?}");
        }
        // It stops at the first word the test accepts.
        let mut tried = 0;
        assert!(any_word("bill_tenant_usage", |_, word| {
            tried += 1;
            word == "tenant"
        }));
        assert_eq!(tried, 2);
    }

    #[test]
    fn matches_whole_word_suffixes_only() {
        let secrets = NameList::new(["password", "api_key", "token", "secret"]);
        assert_eq!(
            secrets.suffix_match("smtp_password").as_deref(),
            Some("password")
        );
        assert_eq!(
            secrets.suffix_match("stripe_api_key").as_deref(),
            Some("api_key")
        );
        assert_eq!(secrets.suffix_match("apiKey").as_deref(), Some("api_key"));
        assert_eq!(secrets.suffix_match("password_policy"), None);
        assert_eq!(secrets.suffix_match("api_key_id"), None);
        assert_eq!(secrets.suffix_match("secret_name"), None);
        assert_eq!(secrets.suffix_match("token_count"), None);
        assert_eq!(secrets.suffix_match("tokenizer"), None);
        assert!(secrets.exact_match("API_KEY"));
        assert!(!secrets.exact_match("stripe_api_key"));
    }
}
