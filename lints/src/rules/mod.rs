//! One module per checklist item. Each reads top to bottom: docs, options,
//! check, tests; adding a rule is one module here and one line in
//! [`crate::registry::all`].

pub mod audit_actor_target;
pub mod broad_manages_grant;
pub mod cache_key_missing_tenant;
pub mod cost_to_actor;
pub mod leaky_error;
pub mod no_break_glass;
pub mod no_context_indicator;
pub mod partner_role_overgrant;
pub mod readable_secret;
pub mod single_level_quota;
pub mod unconfirmed_destructive_action;
pub mod unmasked_pii;
pub mod unscoped_tenant_query;
pub mod unthrottled_tenant_fanout;

#[cfg(test)]
mod tests {
    use crate::testing::check_with_partner_model;

    /// The first fenced block after `heading` in a rule's docs: its language and its code,
    /// with the lines rustdoc hides (`# ` or a lone `#`) shown, since the rule must see them.
    fn docs_block(docs: &str, heading: &str) -> Option<(String, String)> {
        let section = docs.split_once(&format!("\n{heading}\n"))?.1;
        let fenced = section.split_once("```")?.1;
        let (language, rest) = fenced.split_once('\n')?;
        let (body, _) = rest.split_once("```")?;
        let code = body
            .lines()
            .map(|line| {
                if line == "#" {
                    ""
                } else {
                    line.strip_prefix("# ").unwrap_or(line)
                }
            })
            .fold(String::new(), |mut code, line| {
                code.push_str(line);
                code.push('\n');
                code
            });
        Some((language.trim().to_string(), code))
    }

    /// The documented example, as a file of the kind its fence names, in a partner-context
    /// module of a workspace with a partner model.
    fn findings_of_example(code: &'static str, language: &str, example: &str) -> Vec<String> {
        let path = match language {
            "cypher" => "queries/example.cypher",
            _ => "src/partner/example.rs",
        };
        check_with_partner_model(code, &[], &[(path, example)])
    }

    #[test]
    fn each_rules_example_is_flagged_and_its_alternative_is_not() {
        let mut wrong = Vec::new();
        for meta in crate::registry::rules() {
            let example = docs_block(meta.docs, "## Example");
            let instead = docs_block(meta.docs, "## Use instead");
            let (Some((example_language, example)), Some((instead_language, instead))) =
                (example, instead)
            else {
                wrong.push(format!(
                    "{}: no `## Example` and `## Use instead` blocks",
                    meta.code
                ));
                continue;
            };
            let flagged = findings_of_example(meta.code, &example_language, &example);
            if !flagged
                .iter()
                .any(|finding| finding.contains(&format!("[{}]", meta.code)))
            {
                wrong.push(format!(
                    "{}: the example is not flagged: {flagged:?}",
                    meta.code
                ));
            }
            let alternative = findings_of_example(meta.code, &instead_language, &instead);
            if !alternative.is_empty() {
                wrong.push(format!(
                    "{}: `Use instead` is flagged: {alternative:?}",
                    meta.code
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
