//! The parser-independent model that lint rules work on.
//!
//! Everything here is plain data so that rules never depend on the parser crate, which is an
//! alpha and will change (or be replaced) under us.

use serde::{Deserialize, Serialize};

/// Byte offsets into the text that was given to [`super::parse_query`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    pub fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Index into [`QueryFacts::bindings`].
pub type BindingId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TextMode {
    /// A plain string: `{}` is an empty map.
    Plain,
    /// A `format!`-family template: `{}` / `{name}` are holes and `{{`/`}}` are braces.
    Template,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CypherErrorKind {
    /// Refused before parsing: nesting beyond the guard limit.
    TooDeep,
    Syntax,
    /// A template that does not parse where a `format!` hole stands, or right after one: the
    /// hole holds Cypher structure (`SET {}`, a clause, a keyword) decided at run time, which
    /// no reading of the template can analyse. The span is the hole's.
    BuiltAtRunTime,
    /// Syntax the analysis recognises but cannot read yet (`LET`, `FILTER`, a label `SET` at
    /// run time): the message names the construct, the span is where it is written.
    Unsupported,
    /// The parser panicked or could not be run; the input is not necessarily invalid.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CypherError {
    pub message: String,
    pub span: Span,
    pub kind: CypherErrorKind,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryFacts {
    pub clauses: Vec<Clause>,
    pub nodes: Vec<NodePattern>,
    pub relationships: Vec<RelPattern>,
    /// Node indices that follow each other in one path without a relationship between them
    /// (quantified path patterns: `(p) ((a)-->(b)){1,3} (q)` joins p–a and b–q).
    pub path_joins: Vec<(usize, usize)>,
    /// Every variable a query introduces, and one per anonymous node or relationship.
    pub bindings: Vec<Binding>,
    /// Every `$param` occurrence, in source order.
    pub parameters: Vec<(String, Span)>,
    /// `WHERE x.key = value` / `value = x.key` / `x.key IN value` comparisons.
    pub property_filters: Vec<PropertyFilter>,
    /// `format!` holes (template mode only), so rules can tell a hole from a real name.
    pub template_holes: Vec<Span>,
}

impl QueryFacts {
    /// Drops the room the lists grew into: the model keeps every query's facts until the
    /// rules are done, and a typical query's lists were a quarter empty.
    pub(crate) fn shrink_to_fit(&mut self) {
        for clause in &mut self.clauses {
            clause.writes.shrink_to_fit();
            clause.deletes.shrink_to_fit();
        }
        for node in &mut self.nodes {
            node.labels.shrink_to_fit();
            node.properties.shrink_to_fit();
        }
        for relationship in &mut self.relationships {
            relationship.types.shrink_to_fit();
            relationship.properties.shrink_to_fit();
        }
        self.clauses.shrink_to_fit();
        self.nodes.shrink_to_fit();
        self.relationships.shrink_to_fit();
        self.path_joins.shrink_to_fit();
        self.bindings.shrink_to_fit();
        self.parameters.shrink_to_fit();
        self.property_filters.shrink_to_fit();
        self.template_holes.shrink_to_fit();
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// `None` for anonymous nodes and relationships.
    pub name: Option<String>,
    /// Where the binding is introduced.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodePattern {
    pub binding: BindingId,
    pub variable: Option<String>,
    /// Static labels named positively. Holes and dynamic labels are not listed here.
    pub labels: Vec<String>,
    /// Not a node pattern but a label predicate in a filter (`WHERE t:Tenant`, also inside
    /// `EXISTS {}`), spanning the predicate: its labels are the variable's as much as a
    /// pattern's are. One under `NOT` is not listed (it names labels the node lacks); one under
    /// `OR`/`XOR` is `conditional` with `label_alternatives` set.
    pub label_predicate: bool,
    /// `(n:A|B)`: the node has one of `labels`, not all of them.
    pub label_alternatives: bool,
    /// `$(expr)`, `%` or a template hole: the label is not known statically.
    pub dynamic_label: bool,
    pub properties: Vec<Property>,
    /// `(u:User $props)`.
    pub properties_parameter: Option<String>,
    pub span: Span,
    /// Index into [`QueryFacts::clauses`].
    pub clause: usize,
    /// The pattern it is written in (see [`RelPattern::pattern`]).
    pub pattern: usize,
    /// Inside WHERE, `EXISTS {}`, `COUNT {}`, `COLLECT {}`, a pattern predicate or comprehension.
    pub in_predicate: bool,
    /// Need not hold for every result row: OPTIONAL MATCH, under NOT/OR/XOR/CASE, or inside a
    /// value (`COUNT {}`, `COLLECT {}`, pattern comprehension, RETURN/WITH items).
    pub conditional: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelPattern {
    pub binding: BindingId,
    pub variable: Option<String>,
    /// Alternatives: `[:A|B]` lists both; empty means any type.
    pub types: Vec<String>,
    pub dynamic_type: bool,
    pub direction: Direction,
    /// `*`, `*1..3` or a quantifier.
    pub variable_length: bool,
    pub properties: Vec<Property>,
    pub properties_parameter: Option<String>,
    /// Index into [`QueryFacts::nodes`] of the node written left of the relationship.
    pub left: usize,
    pub right: usize,
    pub span: Span,
    pub clause: usize,
    /// The pattern it is written in: one per MATCH, CREATE or MERGE pattern (all its
    /// comma-separated parts) and one per pattern predicate, `EXISTS {}`/`COUNT {}` pattern or
    /// pattern comprehension. Everything in one pattern is matched together: a variable the
    /// pattern introduces is only ever bound where all of its relationships hold.
    pub pattern: usize,
    pub in_predicate: bool,
    pub conditional: bool,
    /// Holds for every row its own clause produces: `false` under NOT/OR/XOR/CASE and inside a
    /// value. Unlike `conditional`, being in an OPTIONAL MATCH (or in a subquery that is
    /// itself under NOT) does not clear it.
    pub required_by_clause: bool,
}

/// As written, left to right: `(a)<-[]-(b)` is `Left`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Left,
    Right,
    Both,
    Undirected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Property {
    pub key: String,
    pub value: PropValue,
    /// From the key to the end of the value when the parser records the value's end.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PropValue {
    Parameter(String),
    /// Strings unquoted and unescaped; numbers, booleans and null as written in Cypher.
    Literal(String),
    Variable {
        name: String,
        binding: Option<BindingId>,
    },
    /// `row.tenant_id`.
    PropertyOf {
        variable: String,
        binding: Option<BindingId>,
        key: String,
    },
    TemplateHole,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyFilter {
    pub variable: String,
    pub binding: Option<BindingId>,
    pub key: String,
    pub operator: FilterOperator,
    pub value: PropValue,
    pub span: Span,
    pub clause: usize,
    pub conditional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterOperator {
    Equals,
    In,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clause {
    pub kind: ClauseKind,
    pub span: Span,
    /// The clause whose body or predicate contains this one (CALL {}, FOREACH, EXISTS {} …).
    pub within: Option<usize>,
    pub has_skip: bool,
    pub has_limit: bool,
    /// SET items, MERGE `ON CREATE`/`ON MATCH` SET items, and REMOVE items.
    pub writes: Vec<WriteItem>,
    /// DELETE targets that are plain variables.
    pub deletes: Vec<VariableRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClauseKind {
    Match {
        optional: bool,
    },
    With,
    Unwind,
    Return,
    Create,
    Merge,
    Set,
    Delete {
        detach: bool,
    },
    Remove,
    Foreach,
    CallSubquery {
        in_transactions: bool,
    },
    CallProcedure {
        name: String,
    },
    /// Starts the branch after `UNION [ALL]`.
    Union {
        all: bool,
    },
    LoadCsv,
    Use,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteItem {
    pub target: VariableRef,
    /// `u.name = …`; `None` for `u += $map`, `u = $map` and label writes.
    pub property: Option<String>,
    pub labels: Vec<String>,
    /// `Other` for REMOVE and label items.
    pub value: PropValue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableRef {
    pub name: String,
    pub binding: Option<BindingId>,
    pub span: Span,
}

impl QueryFacts {
    /// Whether `a` and `b` are linked by relationships that every result row must satisfy;
    /// conditional relationships (OPTIONAL MATCH, under NOT/OR, inside values) are ignored.
    pub fn connected(&self, a: BindingId, b: BindingId) -> bool {
        if a == b {
            return true;
        }
        let mut seen = vec![false; self.bindings.len()];
        let mut stack = vec![a];
        while let Some(current) = stack.pop() {
            if current == b {
                return true;
            }
            match seen.get_mut(current) {
                Some(flag) if !*flag => *flag = true,
                _ => continue,
            }
            for (_, next) in self.neighbours(current).filter(|(rel, _)| match rel {
                Some(index) => self
                    .relationships
                    .get(*index)
                    .is_some_and(|r| !r.conditional),
                None => true,
            }) {
                stack.push(next);
            }
        }
        false
    }

    /// Bindings adjacent to `binding`, with the relationship index (`None` for a path join).
    pub fn neighbours(
        &self,
        binding: BindingId,
    ) -> impl Iterator<Item = (Option<usize>, BindingId)> + '_ {
        let node_binding = move |node: usize| self.nodes.get(node).map(|n| n.binding);
        let via_relationships = self
            .relationships
            .iter()
            .enumerate()
            .filter_map(move |(i, r)| {
                let (left, right) = (node_binding(r.left)?, node_binding(r.right)?);
                other_end(binding, left, right).map(|other| (Some(i), other))
            });
        let via_joins = self.path_joins.iter().filter_map(move |&(a, b)| {
            let (left, right) = (node_binding(a)?, node_binding(b)?);
            other_end(binding, left, right).map(|other| (None, other))
        });
        via_relationships.chain(via_joins)
    }

    /// Bindings that can only be bound to nodes connected to one of `roots`, or to null (R4):
    /// `roots` themselves, and every binding reached from one through
    /// - a relationship or path join every row must satisfy, or
    /// - any relationship of the pattern that introduces the binding reached (an OPTIONAL
    ///   MATCH, a pattern predicate even under NOT, a comprehension: what it binds, it binds
    ///   through that pattern), or
    /// - a relationship in a predicate the introducing clause requires
    ///   (`OPTIONAL MATCH (d) WHERE (t)-[:HAS]->(d)`).
    ///
    /// A binding introduced elsewhere (an earlier MATCH, UNWIND or WITH) is not confined by a
    /// relationship that need not hold: `MATCH (u) WHERE (u)-->(t) OR u.public` keeps every
    /// public `u`. Indexed by binding.
    pub fn confined_to(&self, roots: impl IntoIterator<Item = BindingId>) -> Vec<bool> {
        let mut confined = vec![false; self.bindings.len()];
        let mut stack: Vec<BindingId> = Vec::new();
        for root in roots {
            if let Some(flag) = confined.get_mut(root).filter(|flag| !**flag) {
                *flag = true;
                stack.push(root);
            }
        }
        let introducing: Vec<Option<&NodePattern>> = (0..self.bindings.len())
            .map(|binding| self.introducing_node(binding))
            .collect();
        let mut adjacency: Vec<Vec<(Option<usize>, BindingId)>> =
            vec![Vec::new(); self.bindings.len()];
        for (index, relationship) in self.relationships.iter().enumerate() {
            let ends = (
                self.nodes.get(relationship.left),
                self.nodes.get(relationship.right),
            );
            if let (Some(left), Some(right)) = ends {
                if let Some(edges) = adjacency.get_mut(left.binding) {
                    edges.push((Some(index), right.binding));
                }
                if let Some(edges) = adjacency.get_mut(right.binding) {
                    edges.push((Some(index), left.binding));
                }
            }
        }
        for &(a, b) in &self.path_joins {
            if let (Some(left), Some(right)) = (self.nodes.get(a), self.nodes.get(b)) {
                if let Some(edges) = adjacency.get_mut(left.binding) {
                    edges.push((None, right.binding));
                }
                if let Some(edges) = adjacency.get_mut(right.binding) {
                    edges.push((None, left.binding));
                }
            }
        }
        while let Some(current) = stack.pop() {
            for &(relationship, next) in adjacency.get(current).into_iter().flatten() {
                if confined.get(next).is_none_or(|flag| *flag) {
                    continue;
                }
                let holds = match relationship.and_then(|r| self.relationships.get(r)) {
                    None => true,
                    Some(r) if !r.conditional => true,
                    Some(r) => introducing
                        .get(next)
                        .copied()
                        .flatten()
                        .is_some_and(|intro| {
                            intro.pattern == r.pattern
                                || (intro.clause == r.clause && r.required_by_clause)
                        }),
                };
                if holds {
                    confined[next] = true;
                    stack.push(next);
                }
            }
        }
        confined
    }

    /// The labels `binding` certainly has: from node patterns and label predicates that hold
    /// for every row, not from alternatives (`(n:A|B)`, `WHERE n:A OR …`).
    pub fn certain_labels(&self, binding: BindingId) -> impl Iterator<Item = &str> + '_ {
        self.nodes_of(binding)
            .filter(|node| !node.conditional && !node.label_alternatives)
            .flat_map(|node| node.labels.iter().map(String::as_str))
    }

    /// Every label `binding` may have, alternatives and optional patterns included.
    pub fn possible_labels(&self, binding: BindingId) -> impl Iterator<Item = &str> + '_ {
        self.nodes_of(binding)
            .flat_map(|node| node.labels.iter().map(String::as_str))
    }

    /// The node pattern that introduces `binding`: the one its variable is first written in.
    /// `None` for bindings introduced otherwise (UNWIND, WITH … AS, a procedure's YIELD).
    pub fn introducing_node(&self, binding: BindingId) -> Option<&NodePattern> {
        let introduced_at = self.bindings.get(binding)?.span;
        self.nodes_of(binding).find(|node| {
            !node.label_predicate
                && node.span.start <= introduced_at.start
                && introduced_at.end <= node.span.end
        })
    }

    /// Nodes bound to `binding`, in source order.
    pub fn nodes_of(&self, binding: BindingId) -> impl Iterator<Item = &NodePattern> + '_ {
        self.nodes.iter().filter(move |n| n.binding == binding)
    }
}

fn other_end(binding: BindingId, left: BindingId, right: BindingId) -> Option<BindingId> {
    if left == binding {
        Some(right)
    } else if right == binding {
        Some(left)
    } else {
        None
    }
}
