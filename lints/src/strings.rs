//! String-valued expressions: placeholder until the resolver lands.

use crate::source::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrExpr {
    Literal { span: Span },
}

pub fn str_expr(_expr: &syn::Expr) -> Option<StrExpr> {
    None
}
