//! `macro_rules!` definitions read for the names their callers write: a macro invoked
//! as `audit!(actor = p.id, target = t, action = "x")` passes each `key = value` to a
//! field of what it expands to (`actor_tenant_id: $actor`). Rules that judge a record
//! by its field names (PS302) read the invocation through this map; nothing of the
//! macro is expanded.

use proc_macro2::{Spacing, TokenStream, TokenTree};

/// Group nesting read in a macro's rules; real matchers and bodies nest a few levels.
const MAX_DEPTH: usize = 32;
/// Keys kept per macro: a definition with more is generated, not written.
const MAX_KEYS: usize = 256;

/// A `macro_rules!` definition and the fields its `key = $var` arguments reach.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MacroKeys {
    pub name: String,
    /// `(key, field)`: the matcher's `key = $var` and the body's `field: $var` (a struct
    /// field) or `field = $var` (an event field), when they differ, in source order.
    pub keys: Vec<(String, String)>,
}

/// The keys of a `macro_rules! name { … }` item that forward to differently named
/// fields, or `None` for any other item macro or a definition with none.
pub fn macro_rules_keys(item: &syn::ItemMacro) -> Option<MacroKeys> {
    if !item.mac.path.is_ident("macro_rules") {
        return None;
    }
    let name = item.ident.as_ref()?.to_string();
    let mut keys = Vec::new();
    let rules: Vec<TokenTree> = item.mac.tokens.clone().into_iter().collect();
    // Each rule is `(matcher) => {body}`, separated by `;`.
    for window in rules.windows(4) {
        let [TokenTree::Group(matcher), TokenTree::Punct(eq), TokenTree::Punct(arrow), TokenTree::Group(body)] =
            window
        else {
            continue;
        };
        if eq.as_char() != '=' || arrow.as_char() != '>' {
            continue;
        }
        let mut matcher_keys = Vec::new();
        bindings(matcher.stream(), 0, &mut matcher_keys);
        let mut body_fields = Vec::new();
        bindings(body.stream(), 0, &mut body_fields);
        for (key, variable) in &matcher_keys {
            for (field, used) in &body_fields {
                if used == variable
                    && field != key
                    && keys.len() < MAX_KEYS
                    && !keys.contains(&(key.clone(), field.clone()))
                {
                    keys.push((key.clone(), field.clone()));
                }
            }
        }
    }
    (!keys.is_empty()).then_some(MacroKeys { name, keys })
}

/// Every `name = $var` (with `%`/`?` before `$` for events) and `name: $var` in the
/// tokens, as `(name, var)`; `::` paths, `==` and `=>` are not bindings.
fn bindings(tokens: TokenStream, depth: usize, out: &mut Vec<(String, String)>) {
    if depth > MAX_DEPTH || out.len() >= MAX_KEYS {
        return;
    }
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (index, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => bindings(group.stream(), depth + 1, out),
            TokenTree::Ident(name) => {
                // `$key` is a variable and `:expr` a fragment specifier, not a name.
                let after_sigil = index
                    .checked_sub(1)
                    .and_then(|before| tokens.get(before))
                    .is_some_and(|before| {
                        matches!(before, TokenTree::Punct(p) if matches!(p.as_char(), '$' | ':'))
                    });
                if after_sigil {
                    continue;
                }
                if let Some(variable) = bound_variable(&tokens[index + 1..]) {
                    out.push((name.to_string(), variable));
                }
            }
            _ => {}
        }
    }
}

/// After a name: `= $var`, `= %$var`, `= ?$var` or `: $var` (a lone `:` or `=`).
fn bound_variable(rest: &[TokenTree]) -> Option<String> {
    let mut rest = rest.iter();
    let TokenTree::Punct(separator) = rest.next()? else {
        return None;
    };
    if !matches!(separator.as_char(), '=' | ':') || separator.spacing() != Spacing::Alone {
        return None;
    }
    let mut next = rest.next()?;
    if let TokenTree::Punct(sigil) = next {
        if separator.as_char() == '=' && matches!(sigil.as_char(), '%' | '?') {
            next = rest.next()?;
        }
    }
    let (TokenTree::Punct(dollar), Some(TokenTree::Ident(variable))) = (next, rest.next()) else {
        return None;
    };
    (dollar.as_char() == '$').then(|| variable.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Option<Vec<(String, String)>> {
        let item: syn::ItemMacro = syn::parse_str(source).expect("an item macro");
        macro_rules_keys(&item).map(|found| found.keys)
    }

    #[test]
    fn keys_forwarded_to_struct_and_event_fields() {
        let found = keys(
            "macro_rules! audit {
                (actor = $a:expr, target = $t:expr, action = $x:expr) => {
                    record(Event { actor_tenant_id: $a.clone(), target_tenant_id: $t, action: $x })
                };
                (by = $a:expr) => { info!(target: \"audit\", actor_tenant_id = %$a) };
            }",
        );
        let pair = |key: &str, field: &str| (key.to_string(), field.to_string());
        assert_eq!(
            found,
            Some(vec![
                pair("actor", "actor_tenant_id"),
                pair("target", "target_tenant_id"),
                pair("by", "actor_tenant_id"),
            ])
        );
    }

    #[test]
    fn paths_comparisons_and_same_names_are_not_forwarding() {
        assert_eq!(
            keys("macro_rules! audit { ($($k:ident = $v:expr),*) => { info!(target: \"audit\", $($k = %$v),*) }; }"),
            None
        );
        assert_eq!(
            keys("macro_rules! check { (a = $a:expr) => { if x == $a { y::$a } } }"),
            None
        );
        assert_eq!(
            keys("macro_rules! same { (actor_tenant_id = $a:expr) => { E { actor_tenant_id: $a } } }"),
            None
        );
        assert_eq!(keys("some_macro! { a = $b }"), None);
    }
}
