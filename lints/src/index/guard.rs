//! What parsing a file will cost, read from its tokens before syn parses it.
//!
//! syn's parser, the drop of its syntax tree and the indexer's walks recurse once per level of
//! nesting, and a stack overflow aborts the whole process: it cannot be caught. A syntax tree
//! also takes far more memory than its text (a statement `;` of one byte is about 500 bytes of
//! tree). So each file's tokens (proc-macro2's token trees, exact about brackets) are walked
//! once, without recursion, before syn sees them, for
//!
//! - **depth**: an upper bound of how deep the syntax tree can be, in levels. Every bracket
//!   pair, every pair of generic angle brackets and every closure's parameter list opens a
//!   level. Within one expression, type or pattern, every operator character, call or index
//!   (a `(…)` or `[…]` right after an operand), keyword and `.`-field may be one more level
//!   (`a + b + c`, `x.f().g()`, `!!x`, `a as u8 as u8`, `return return x`), so each counts
//!   one, whatever it turns out to be. A `,`, `;` or `=>`, and the end of a
//!   statement (a `}` followed by something that cannot continue an expression) separate
//!   siblings, which do not nest, so the count starts again after them. Path separators
//!   (`::`), lifetimes and attribute markers never nest and count nothing. What is counted
//!   beyond what nests only makes the bound larger: an array of a thousand `a < 1` is one
//!   level deep.
//! - **arms**: an `else if` chain nests one `if` in the `else` of the one before, but syn
//!   parses it in a loop and the indexer walks it in one, so only dropping the tree recurses
//!   per arm, in far less stack than a level takes. Arms are counted apart from levels: a chain
//!   of 40,000 arms is analysed.
//! - **size**: how many tokens the file and each of its top-level items have. The indexer
//!   parses and drops one run of items at a time, so an item's tree is what has to fit in
//!   memory, next to the file's tokens and facts.
//!
//! A `<` is a generic opening when a `>` closes it in the same bracket group before anything
//! generics cannot hold (`;`, `=>`, `.`, `==`, `||`, `if`, …) or the end of a statement comes;
//! otherwise it is a comparison. Either way it counts: as a level of its own or as an operator.
//! A `|` opens closure parameters where an expression starts (after an operator, a separator,
//! an opening bracket, or a keyword such as `move` or `return`) and is an operator elsewhere.
//!
//! The walk also gives the file's tokens back rebuilt (moved, never copied) and cut into runs of
//! whole items for the parser.

use super::FileProblem;
use crate::positions::Span;
use crate::source::span_of;
use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};
use std::ops::Range;

/// The deepest nesting a file may have, in the levels counted above. Each level takes at most
/// [`STACK_PER_LEVEL`] bytes of stack in syn's parser, the drop of its tree or the indexer's
/// walks (measured per construct in a debug build, where frames are largest; see
/// `every_construct_fits_in_its_levels_worth_of_stack` and the README, Performance), so the deepest file
/// accepted needs at most [`MAX_DEPTH`] × [`STACK_PER_LEVEL`] = 64 MiB of stack; it is given
/// twice that.
pub const MAX_DEPTH: usize = 8_000;

/// The most stack one level of [`MAX_DEPTH`] takes, in bytes (see there).
pub const STACK_PER_LEVEL: usize = 8 * 1024;

/// The most stack one `else if` arm takes, in bytes: only the drop of the tree recurses once
/// per arm, in under 256 bytes (measured in a debug build, see
/// `else_if_chains_fit_in_their_arms_worth_of_stack`; a walk recursing per arm would take
/// more than this). Arms have no limit of their own: the tokens of one item bound them (an
/// arm has at least four), so 125,000 arms need at most 61 MiB.
pub const STACK_PER_ARM: usize = 512;

/// The most tokens one file may have: their token trees (about 50 bytes each, held twice for
/// a moment when a list of them is collected) and the facts of the items parsed so far stay in
/// memory while its items are parsed. Ordinary code has a token every 2.5 to 5 bytes, so a
/// file of 10 MB (the default `--max-file-size`) is analysed unless it is unusually dense; one
/// that is (10 MB of `;` are 10 million tokens) is refused after lexing, before its tokens
/// are collected, within 1 GiB (see the README, Performance).
pub const MAX_FILE_TOKENS: usize = 5_000_000;

/// The most tokens one top-level item may have: its syntax tree lives in memory at once, and
/// takes up to about 600 bytes per token (a statement of `;` alone, measured; ordinary code
/// takes 150 to 200).
pub const MAX_ITEM_TOKENS: usize = 500_000;

/// Items are parsed together until a run has this many tokens: parsing each small item on
/// its own would cost more than the items.
const RUN_TOKENS: usize = 16 * 1024;

/// A file's tokens, measured and within the limits.
pub struct Measured {
    /// The file's top-level tokens, groups rebuilt with their spans.
    pub tokens: Vec<TokenTree>,
    /// Consecutive ranges of `tokens`, each holding whole top-level items (as far as tokens
    /// tell; the parser checks), covering all of them.
    pub runs: Vec<Range<usize>>,
    /// The depth bound, in levels.
    pub levels: usize,
    /// The most `else if` arms on one path down the tree, at most.
    pub arms: usize,
}

impl Measured {
    /// An upper bound of the stack parsing, indexing and dropping the file takes, in bytes.
    pub fn stack_bytes(&self) -> usize {
        self.levels.max(1) * STACK_PER_LEVEL + self.arms * STACK_PER_ARM
    }
}

/// Measures `stream` (a whole file), or says why the file must not be parsed.
pub fn measure(stream: TokenStream) -> Result<Measured, FileProblem> {
    let tokens = stream.into_iter();
    // Collecting a list of tokens holds it twice for a moment: a file with more top-level
    // tokens than the limit is refused before.
    if tokens.size_hint().0 > MAX_FILE_TOKENS {
        return Err(too_many_tokens_in_file());
    }
    Measurement::new(tokens.collect()).run()
}

/// One level of nesting being walked.
struct Context {
    kind: ContextKind,
    /// Where it opens (its opening delimiter, `<` or `|`).
    opened: proc_macro2::Span,
    /// The expression (or type, pattern) being read since the last separator.
    segment: Segment,
    /// The deepest of the segments that ended.
    deepest: Path,
}

enum ContextKind {
    /// The file, or a bracket group: owns its tokens.
    Tokens(Tokens),
    /// Generic angle brackets, closure parameters, and the condition of an `if`, `while`,
    /// `match` or `for` (up to its block), read from the enclosing group's tokens.
    Angle,
    ClosureParams,
    Condition,
}

/// A bracket group's (or the file's) tokens being walked.
struct Tokens {
    list: Vec<TokenTree>,
    /// For each token, whether it is a generic `<` or its `>` (empty when the group has none).
    angles: Vec<Angle>,
    /// For each token, whether it is the second half of a two-character operator, counted at
    /// its first (empty when the group has none); see [`operator_seconds`].
    seconds: Vec<bool>,
    next: usize,
    /// `None` for the file.
    group: Option<(Delimiter, proc_macro2::Span)>,
    /// The last `|` that closed closure parameters: a `|` joined to it opens the next
    /// closure's, where one joined to a binary `|` is the second half of `||`.
    closed_parameters_at: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Angle {
    None,
    Open,
    Close,
}

/// One expression's chain so far: operators counted and the deepest group inside it.
#[derive(Default)]
struct Segment {
    operators: usize,
    /// `else if` arms: syn parses and prints a chain of them in a loop, and the indexer's walks
    /// follow it in a loop, but the tree still nests one level per arm, and dropping it recurses
    /// once per arm (a few hundred bytes of stack, far less than a level).
    arms: usize,
    /// Its first operator.
    start: Option<proc_macro2::Span>,
    inner: Path,
}

/// The deepest path through a context: its levels, and what made them, for the message.
#[derive(Clone, Copy, Default)]
struct Path {
    levels: usize,
    /// Levels opened by brackets, generics and closure parameters.
    nested: usize,
    /// The innermost opening on the path.
    innermost: Option<proc_macro2::Span>,
    /// The longest chain of operators on the path, and where it starts.
    chain: usize,
    chain_start: Option<proc_macro2::Span>,
    /// Set when the walk stopped at the limit: the file is at least this deep.
    at_least: bool,
    /// The most `else if` arms on any path through the context (whichever is deepest in
    /// levels): each costs its own, smaller, share of stack.
    arms: usize,
}

impl Path {
    fn deeper(self, other: Path) -> Path {
        let arms = self.arms.max(other.arms);
        let mut deeper = if other.levels > self.levels {
            other
        } else {
            self
        };
        deeper.arms = arms;
        deeper
    }
}

impl Segment {
    fn path(&self) -> Path {
        let mut path = self.inner;
        path.levels += self.operators;
        path.arms += self.arms;
        if self.operators > path.chain {
            path.chain = self.operators;
            path.chain_start = self.start;
        }
        path
    }

    fn operator(&mut self, at: proc_macro2::Span, count: usize) {
        if self.operators == 0 {
            self.start = Some(at);
        }
        self.operators += count;
    }
}

impl Context {
    fn new(kind: ContextKind, opened: proc_macro2::Span) -> Context {
        Context {
            kind,
            opened,
            segment: Segment::default(),
            deepest: Path::default(),
        }
    }

    fn end_segment(&mut self) {
        let segment = std::mem::take(&mut self.segment);
        self.deepest = self.deepest.deeper(segment.path());
    }

    /// The context's own path: one level for itself over its deepest segment.
    fn close(mut self) -> (Path, ContextKind) {
        self.end_segment();
        let mut path = self.deepest;
        path.levels += 1;
        path.nested += 1;
        if path.innermost.is_none() {
            path.innermost = Some(self.opened);
        }
        (path, self.kind)
    }
}

/// What one token does to the count, read before the walk changes anything.
enum Seen {
    Group {
        delimiter: Delimiter,
        span: proc_macro2::Span,
        postfix: bool,
    },
    /// `,`: the next sibling starts.
    Separator,
    /// `;`.
    StatementEnd,
    /// The `>` of `=>`.
    ArmEnd,
    AngleOpen(proc_macro2::Span),
    AngleClose,
    ClosureOpen(proc_macro2::Span),
    ClosureClose,
    /// `if`, `while`, `match`, `for`: a level, and a condition up to the block.
    Condition(proc_macro2::Span),
    /// The `if` of `else if`: an arm of the chain, and a condition up to the block.
    ElseIf(proc_macro2::Span),
    Operator(proc_macro2::Span),
    Nothing,
}

/// What the guard has measured of a file so far as it walks the tokens: the open nesting
/// contexts, token counts, and the runs of whole items it has cut.
struct Measurement {
    stack: Vec<Context>,
    /// Where in `stack` the contexts that own tokens are (the file first).
    owners: Vec<usize>,
    /// Tokens walked so far.
    tokens: usize,
    /// Runs of whole top-level items found so far, and the tokens of the last one.
    runs: Vec<Range<usize>>,
    run_tokens: usize,
    /// Where the current top-level item starts in the file's tokens, and the count of tokens
    /// walked before it.
    item_start: usize,
    tokens_before_item: usize,
    /// The first item with more than [`MAX_ITEM_TOKENS`] tokens: its size and first token.
    oversized: Option<(usize, proc_macro2::Span)>,
}

impl Measurement {
    fn new(list: Vec<TokenTree>) -> Measurement {
        let angles = angle_roles(&list);
        let seconds = operator_seconds(&list, &angles);
        let file = Tokens {
            list,
            angles,
            seconds,
            next: 0,
            group: None,
            closed_parameters_at: None,
        };
        Measurement {
            stack: vec![Context::new(
                ContextKind::Tokens(file),
                proc_macro2::Span::call_site(),
            )],
            owners: vec![0],
            tokens: 0,
            runs: Vec::new(),
            run_tokens: 0,
            item_start: 0,
            tokens_before_item: 0,
            oversized: None,
        }
    }

    /// The innermost context that owns tokens (the file at least).
    fn owner(&self) -> usize {
        self.owners.last().copied().unwrap_or(0)
    }

    fn top(&mut self) -> &mut Context {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    fn run(mut self) -> Result<Measured, FileProblem> {
        loop {
            let owner = self.owner();
            let in_parameters = matches!(
                self.stack.last().map(|context| &context.kind),
                Some(ContextKind::ClosureParams)
            );
            let ContextKind::Tokens(tokens) = &mut self.stack[owner].kind else {
                return Err(internal("the innermost context owns no tokens"));
            };
            let index = tokens.next;
            if index == tokens.list.len() {
                // Angle brackets never outlive their group (they are paired within it), and
                // closure parameters left open (malformed code) close with it.
                if owner + 1 < self.stack.len() {
                    self.close_top();
                } else if owner == 0 {
                    return self.finish();
                } else {
                    self.close_group();
                }
                continue;
            }
            tokens.next += 1;
            self.tokens += 1;
            if self.tokens > MAX_FILE_TOKENS {
                return Err(too_many_tokens_in_file());
            }
            let seen = see(tokens, index, in_parameters);
            let after_else = matches!(
                index.checked_sub(1).and_then(|before| tokens.list.get(before)),
                Some(TokenTree::Ident(ident)) if ident == "else"
            );
            if matches!(seen, Seen::Operator(_)) && is_empty_closure(tokens, index) {
                // `||`: a closure without parameters, one level.
                tokens.next += 1;
                self.tokens += 1;
            }
            match seen {
                Seen::Group {
                    delimiter,
                    span,
                    postfix,
                } => {
                    // A condition ends at its block; `else {…}` is the block of an `if`
                    // inside the condition.
                    if delimiter == Delimiter::Brace
                        && matches!(self.top().kind, ContextKind::Condition)
                        && !after_else
                    {
                        self.close_top();
                    }
                    if postfix {
                        self.top().segment.operator(span, 1);
                    }
                    self.open_group(owner, index, delimiter, span)?;
                }
                Seen::Separator => {
                    self.close_conditions(owner);
                    self.top().end_segment();
                }
                Seen::StatementEnd => {
                    self.close_parameters(owner);
                    self.top().end_segment();
                    if owner == 0 {
                        self.end_item(index + 1);
                    }
                }
                Seen::ArmEnd => {
                    self.close_parameters(owner);
                    self.top().end_segment();
                }
                Seen::AngleOpen(at) => self.open(ContextKind::Angle, at)?,
                Seen::AngleClose => {
                    self.close_parameters(owner);
                    if matches!(self.top().kind, ContextKind::Angle) {
                        self.close_top();
                    }
                }
                Seen::ClosureOpen(at) => self.open(ContextKind::ClosureParams, at)?,
                Seen::ClosureClose => {
                    self.close_top();
                    if let ContextKind::Tokens(tokens) = &mut self.stack[owner].kind {
                        tokens.closed_parameters_at = Some(index);
                    }
                }
                Seen::Condition(at) => {
                    self.top().segment.operator(at, 1);
                    self.open(ContextKind::Condition, at)?;
                }
                Seen::ElseIf(at) => {
                    self.top().segment.arms += 1;
                    self.open(ContextKind::Condition, at)?;
                }
                Seen::Operator(at) => self.top().segment.operator(at, 1),
                Seen::Nothing => {}
            }
        }
    }

    fn open(&mut self, kind: ContextKind, at: proc_macro2::Span) -> Result<(), FileProblem> {
        self.stack.push(Context::new(kind, at));
        // Every context is a level: nesting deeper than the limit is refused as soon as it is
        // seen, before its contexts take any more memory.
        let levels = self.stack.len() - 1;
        if levels > MAX_DEPTH {
            return Err(too_deep(Path {
                levels,
                nested: levels,
                innermost: Some(at),
                at_least: true,
                ..Path::default()
            }));
        }
        Ok(())
    }

    /// Takes the group at `index` of the context `owner` out of its list to walk its tokens.
    fn open_group(
        &mut self,
        owner: usize,
        index: usize,
        delimiter: Delimiter,
        span: proc_macro2::Span,
    ) -> Result<(), FileProblem> {
        let ContextKind::Tokens(tokens) = &mut self.stack[owner].kind else {
            return Err(internal("a group's context owns no tokens"));
        };
        let placeholder = TokenTree::Punct(proc_macro2::Punct::new('#', Spacing::Alone));
        let TokenTree::Group(group) = std::mem::replace(&mut tokens.list[index], placeholder)
        else {
            return Err(internal("a group is not where it was seen"));
        };
        let stream = group.stream();
        // With the group dropped, its stream is the only owner of the tokens, which are then
        // moved out rather than copied.
        drop(group);
        let inside = stream.into_iter();
        if self.tokens + inside.size_hint().0 > MAX_FILE_TOKENS {
            return Err(too_many_tokens_in_file());
        }
        let list: Vec<TokenTree> = inside.collect();
        let angles = angle_roles(&list);
        let seconds = operator_seconds(&list, &angles);
        self.owners.push(self.stack.len());
        self.open(
            ContextKind::Tokens(Tokens {
                list,
                angles,
                seconds,
                next: 0,
                group: Some((delimiter, span)),
                closed_parameters_at: None,
            }),
            span,
        )
    }

    /// Closes the innermost context, angle brackets or closure parameters, into the segment
    /// around it.
    fn close_top(&mut self) {
        if self.stack.len() < 2 {
            return;
        }
        let Some(context) = self.stack.pop() else {
            return;
        };
        let opened = context.opened;
        let (path, kind) = context.close();
        let around = self.top();
        around.segment.inner = around.segment.inner.deeper(path);
        // The closure the parameters belong to is one level of the expression it is in.
        if matches!(kind, ContextKind::ClosureParams) {
            around.segment.operator(opened, 1);
        }
    }

    /// Closes the conditions and closure parameters left open in the group `owner` at a
    /// `;` or `=>` (closure parameters hold neither; left open, they are not Rust).
    fn close_parameters(&mut self, owner: usize) {
        while self.stack.len() > owner + 1
            && matches!(
                self.top().kind,
                ContextKind::ClosureParams | ContextKind::Condition
            )
        {
            self.close_top();
        }
    }

    /// Closes the conditions left open in the group `owner` at a `,`: a condition holds none
    /// outside brackets (a `,` in a match guard ends the arm).
    fn close_conditions(&mut self, owner: usize) {
        while self.stack.len() > owner + 1 && matches!(self.top().kind, ContextKind::Condition) {
            self.close_top();
        }
    }

    /// The innermost group's tokens are all walked: its level goes into the enclosing segment,
    /// and the group, rebuilt, back into the enclosing list.
    fn close_group(&mut self) {
        if self.stack.len() < 2 {
            return;
        }
        let Some(context) = self.stack.pop() else {
            return;
        };
        self.owners.pop();
        let (path, kind) = context.close();
        let ContextKind::Tokens(Tokens {
            list,
            group: Some((delimiter, span)),
            ..
        }) = kind
        else {
            return;
        };
        let mut group = Group::new(delimiter, list.into_iter().collect());
        group.set_span(span);
        let owner = self.owner();
        let around = self.top();
        around.segment.inner = around.segment.inner.deeper(path);
        let ContextKind::Tokens(tokens) = &mut self.stack[owner].kind else {
            return;
        };
        let index = tokens.next - 1;
        tokens.list[index] = TokenTree::Group(group);
        // A block that ends a statement or an item: what follows is a sibling.
        if delimiter == Delimiter::Brace && ends_statement(tokens.list.get(index + 1)) {
            self.close_parameters(owner);
            self.top().end_segment();
            if owner == 0 && self.stack.len() == 1 {
                self.end_item(index + 1);
            }
        }
    }

    /// A top-level item ends before `end`, an index into the file's tokens.
    fn end_item(&mut self, end: usize) {
        let item_tokens = self.tokens - self.tokens_before_item;
        if item_tokens > MAX_ITEM_TOKENS && self.oversized.is_none() {
            let first = match &self.stack[0].kind {
                ContextKind::Tokens(file) => file.list.get(self.item_start).map(TokenTree::span),
                _ => None,
            };
            self.oversized = Some((
                item_tokens,
                first.unwrap_or_else(proc_macro2::Span::call_site),
            ));
        }
        match self.runs.last_mut() {
            Some(run) if self.run_tokens + item_tokens <= RUN_TOKENS => {
                run.end = end;
                self.run_tokens += item_tokens;
            }
            _ => {
                self.runs.push(self.item_start..end);
                self.run_tokens = item_tokens;
            }
        }
        self.item_start = end;
        self.tokens_before_item = self.tokens;
    }

    fn finish(mut self) -> Result<Measured, FileProblem> {
        let file_end = match &self.stack[0].kind {
            ContextKind::Tokens(file) => file.list.len(),
            _ => 0,
        };
        if self.item_start < file_end {
            self.end_item(file_end);
        }
        let Some(file) = self.stack.pop() else {
            return Err(internal("the file's context is gone"));
        };
        let (path, kind) = file.close();
        // The file is no level of its own.
        let levels = path.levels.saturating_sub(1);
        if levels > MAX_DEPTH {
            return Err(too_deep(Path {
                levels,
                nested: path.nested.saturating_sub(1),
                ..path
            }));
        }
        if let Some((tokens, first)) = self.oversized {
            return Err(too_many_tokens_in_item(tokens, first));
        }
        let ContextKind::Tokens(file) = kind else {
            return Err(internal("the file's context owns no tokens"));
        };
        Ok(Measured {
            tokens: file.list,
            runs: self.runs,
            levels,
            arms: path.arms,
        })
    }
}

/// What the token at `index` of `tokens` does to the count.
fn see(tokens: &Tokens, index: usize, in_parameters: bool) -> Seen {
    let list = &tokens.list;
    let previous = index.checked_sub(1).and_then(|before| list.get(before));
    match &list[index] {
        TokenTree::Group(group) => {
            let delimiter = group.delimiter();
            Seen::Group {
                delimiter,
                span: group.span(),
                // A call or an index: `f(…)`, `x[…]`, `f()()`.
                postfix: matches!(delimiter, Delimiter::Parenthesis | Delimiter::Bracket)
                    && previous.is_some_and(ends_operand),
            }
        }
        TokenTree::Punct(punct) => {
            let at = punct.span();
            let next = match list.get(index + 1) {
                Some(TokenTree::Punct(next)) if punct.spacing() == Spacing::Joint => {
                    Some(next.as_char())
                }
                _ => None,
            };
            let after = |c: char| joined_after(previous, c);
            match punct.as_char() {
                ',' => Seen::Separator,
                ';' => Seen::StatementEnd,
                // `=>`: counted at its `>`.
                '=' if next == Some('>') => Seen::Nothing,
                '>' if after('=') => Seen::ArmEnd,
                // `->` is one level, counted at its `-`.
                '>' if after('-') => Seen::Nothing,
                // Path separators, lifetimes and labels, attributes and macro variables nest
                // nothing.
                ':' if next == Some(':') || after(':') => Seen::Nothing,
                '\'' | '#' | '$' => Seen::Nothing,
                '<' if tokens.angles.get(index) == Some(&Angle::Open) => Seen::AngleOpen(at),
                '>' if tokens.angles.get(index) == Some(&Angle::Close) => Seen::AngleClose,
                '|' if in_parameters => Seen::ClosureClose,
                // The second half of `==`, `||`, `+=`, `..`, `<<`, …: one operator, counted at
                // its first. `&&` is not among them: `&&x` is two references.
                second if second_of_operator(tokens, index, second) => Seen::Nothing,
                '|' if starts_expression(tokens, index) && !is_empty_closure(tokens, index) => {
                    Seen::ClosureOpen(at)
                }
                _ => Seen::Operator(at),
            }
        }
        TokenTree::Ident(ident) => {
            let word = Word::of(ident);
            match (word.as_str(), word.kind()) {
                // An `else` adds no level: its block does. An `if` after it is one more arm of
                // the chain, not a level.
                ("else", _) => Seen::Nothing,
                ("if", _) if matches!(previous, Some(TokenTree::Ident(before)) if before == "else") => {
                    Seen::ElseIf(ident.span())
                }
                ("if" | "while" | "match" | "for", _) => Seen::Condition(ident.span()),
                (_, WordKind::Keyword) => Seen::Operator(ident.span()),
                (_, WordKind::Operand) => Seen::Nothing,
            }
        }
        // `x.0.1` is two field accesses, and `0.1` one token.
        TokenTree::Literal(literal)
            if matches!(previous, Some(TokenTree::Punct(p)) if p.as_char() == '.')
                && literal.to_string().contains('.') =>
        {
            Seen::Operator(literal.span())
        }
        TokenTree::Literal(_) => Seen::Nothing,
    }
}

/// Whether the punctuation `second` at `index` ends a two-character operator whose first
/// character, joined to it, was counted already.
fn second_of_operator(tokens: &Tokens, index: usize, second: char) -> bool {
    tokens.seconds.get(index) == Some(&true)
        // A `|` right after closure parameters opens the next closure's (`|x||y| x`).
        && !(second == '|' && tokens.closed_parameters_at == Some(index - 1))
}

/// Which punctuation characters of a group end a two-character operator (`==`, `||`, `..`,
/// …) begun by the joined character before them. A run of joined characters pairs from the
/// left: in `||||` the second and the fourth end operators and the third begins one of its
/// own. `<<` is not paired: where it is not a shift, each `<` opens a qualified path, a level
/// of syn's recursion, so each counts (a shift then counts two, which only makes the bound
/// larger). Were every character after the first a second half, a run of 300,000 `<` or `|`
/// (closures without parameters) would count as one level and abort the process.
fn operator_seconds(list: &[TokenTree], angles: &[Angle]) -> Vec<bool> {
    let mut seconds = Vec::new();
    for index in 1..list.len() {
        let (TokenTree::Punct(first), TokenTree::Punct(second)) = (&list[index - 1], &list[index])
        else {
            continue;
        };
        let first_is_second = seconds.get(index - 1) == Some(&true);
        // The third character of `..=`, `...`, `<<=` and `>>=` belongs to the same operator.
        let ends_three = first_is_second
            && seconds.get(index - 2) != Some(&true)
            && first.spacing() == Spacing::Joint
            && matches!(&list[index - 2], TokenTree::Punct(start) if matches!(
                [start.as_char(), first.as_char(), second.as_char()],
                ['.', '.', '='] | ['.', '.', '.'] | ['>', '>', '=']
            ));
        if ends_three {
            seconds[index] = true;
            continue;
        }
        if first_is_second
            || first.spacing() != Spacing::Joint
            || angles
                .get(index - 1)
                .is_some_and(|&role| role != Angle::None)
            || !matches!(
                [first.as_char(), second.as_char()],
                ['=', '=']
                    | ['!', '=']
                    | ['<', '=']
                    | ['>', '=']
                    | ['+', '=']
                    | ['-', '=']
                    | ['*', '=']
                    | ['/', '=']
                    | ['%', '=']
                    | ['^', '=']
                    | ['&', '=']
                    | ['|', '=']
                    | ['.', '.']
                    | ['>', '>']
                    | ['|', '|']
            )
        {
            continue;
        }
        if seconds.is_empty() {
            seconds = vec![false; list.len()];
        }
        seconds[index] = true;
    }
    seconds
}

/// Whether the token before is a punctuation `c` joined to the one at hand (`=>`, `->`, `::`).
fn joined_after(previous: Option<&TokenTree>, c: char) -> bool {
    matches!(previous, Some(TokenTree::Punct(p)) if p.as_char() == c && p.spacing() == Spacing::Joint)
}

/// Whether the `|` at `index` is the first of `||` where an expression starts: a closure
/// without parameters.
fn is_empty_closure(tokens: &Tokens, index: usize) -> bool {
    matches!(&tokens.list[index], TokenTree::Punct(p) if p.as_char() == '|' && p.spacing() == Spacing::Joint)
        && matches!(tokens.list.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == '|')
        && starts_expression(tokens, index)
}

/// Whether an expression can start at `index`: after a separator, an operator, an opening
/// bracket, a keyword (`move`, `return`, …) or a label, not after an operand.
fn starts_expression(tokens: &Tokens, index: usize) -> bool {
    let list = &tokens.list;
    match index.checked_sub(1).and_then(|before| list.get(before)) {
        None => true,
        Some(TokenTree::Group(_)) | Some(TokenTree::Literal(_)) => false,
        Some(TokenTree::Punct(p)) => {
            !(p.as_char() == '?'
                || (p.as_char() == '>' && tokens.angles.get(index - 1) == Some(&Angle::Close)))
        }
        Some(TokenTree::Ident(ident)) => {
            Word::of(ident).kind() == WordKind::Keyword
                || (index >= 2 && joined_after(list.get(index - 2), '\''))
        }
    }
}

/// Whether a token ends an operand, so that a `(…)` or `[…]` after it is a call or an index.
fn ends_operand(token: &TokenTree) -> bool {
    match token {
        TokenTree::Ident(ident) => Word::of(ident).kind() == WordKind::Operand,
        TokenTree::Literal(_) | TokenTree::Group(_) => true,
        // `x?(…)`, `f::<T>(…)`, `m!(…)`.
        TokenTree::Punct(p) => matches!(p.as_char(), '?' | '>' | '!'),
    }
}

/// Whether the token after a `{…}` starts something new (a statement or an item), rather than
/// continuing the expression the block is in (`{…}.f()`, `{…} + 1`, `… else {…}`, `{…} as T`).
fn ends_statement(next: Option<&TokenTree>) -> bool {
    match next {
        Some(TokenTree::Ident(ident)) => !matches!(Word::of(ident).as_str(), "else" | "as"),
        Some(TokenTree::Literal(_)) => true,
        Some(TokenTree::Punct(p)) => matches!(p.as_char(), '#' | '\''),
        Some(TokenTree::Group(_)) | None => false,
    }
}

/// Which `<` of a group's tokens open generics and which `>` close them: a `<` whose `>` comes
/// before anything generics cannot hold. Empty when the group has no `<`.
fn angle_roles(list: &[TokenTree]) -> Vec<Angle> {
    if !list
        .iter()
        .any(|token| matches!(token, TokenTree::Punct(p) if p.as_char() == '<'))
    {
        return Vec::new();
    }
    let mut roles = vec![Angle::None; list.len()];
    let mut open: Vec<usize> = Vec::new();
    for (index, token) in list.iter().enumerate() {
        let previous = index.checked_sub(1).and_then(|before| list.get(before));
        match token {
            TokenTree::Punct(punct) => {
                let next = match list.get(index + 1) {
                    Some(TokenTree::Punct(next)) if punct.spacing() == Spacing::Joint => {
                        Some(next.as_char())
                    }
                    _ => None,
                };
                match punct.as_char() {
                    // `<=` and `<<=` compare or shift.
                    '<' if next == Some('=') => {}
                    '<' => open.push(index),
                    '>' if joined_after(previous, '-') => {}
                    '>' if joined_after(previous, '=') => open.clear(),
                    '>' => {
                        if let Some(opening) = open.pop() {
                            roles[opening] = Angle::Open;
                            roles[index] = Angle::Close;
                        }
                    }
                    // Generic arguments hold no statement end, field access, arithmetic
                    // or comparison beyond `<` and `>`, and no `||`.
                    ';' | '.' | '@' | '%' | '^' | '/' => open.clear(),
                    '=' | '!' if next == Some('=') => open.clear(),
                    '|' if next == Some('|') => open.clear(),
                    _ => {}
                }
            }
            TokenTree::Ident(ident) => {
                if matches!(
                    Word::of(ident).as_str(),
                    "if" | "else" | "match" | "while" | "loop" | "return" | "break" | "let" | "in"
                ) {
                    open.clear();
                }
            }
            TokenTree::Group(group) => {
                if group.delimiter() == Delimiter::Brace && ends_statement(list.get(index + 1)) {
                    open.clear();
                }
            }
            TokenTree::Literal(_) => {}
        }
    }
    roles
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum WordKind {
    Keyword,
    Operand,
}

/// An identifier's text when it is short enough to be a keyword, read without allocating:
/// this runs on every identifier of every file.
struct Word {
    bytes: [u8; Word::LONGEST],
    len: usize,
}

impl Word {
    /// The longest keyword that matters here (`return`, `static`, …).
    const LONGEST: usize = 6;

    fn of(ident: &proc_macro2::Ident) -> Word {
        use std::fmt::Write as _;
        let mut word = Word {
            bytes: [0; Word::LONGEST],
            len: 0,
        };
        if write!(word, "{ident}").is_err() {
            word.len = 0;
        }
        word
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    /// Keywords may start or continue an expression, type or item around what follows
    /// (`return x`, `a as u8`, `else if`, `move |x|`, `impl Fn()`); `self`, `Self`, `super`,
    /// `crate`, `true` and `false` are operands like other names.
    fn kind(&self) -> WordKind {
        match self.as_str() {
            "as" | "async" | "await" | "become" | "box" | "break" | "const" | "do" | "dyn"
            | "else" | "enum" | "extern" | "final" | "fn" | "for" | "gen" | "if" | "impl"
            | "in" | "let" | "loop" | "macro" | "match" | "mod" | "move" | "mut" | "priv"
            | "pub" | "ref" | "return" | "static" | "struct" | "trait" | "try" | "type"
            | "typeof" | "unsafe" | "use" | "where" | "while" | "yield" => WordKind::Keyword,
            _ => WordKind::Operand,
        }
    }
}

impl std::fmt::Write for Word {
    /// Fails as soon as the text is longer than any keyword.
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let end = self.len + text.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `1234567` as `1,234,567`.
fn grouped(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The span of a token's first character.
fn at(token: proc_macro2::Span) -> Span {
    let start = span_of(token).start as usize;
    Span::new(start, start + 1)
}

fn too_deep(path: Path) -> FileProblem {
    let levels = grouped(path.levels);
    let limit = grouped(MAX_DEPTH);
    let at_least = if path.at_least { "at least " } else { "" };
    let chained = path.levels - path.nested;
    match (path.chain_start, path.innermost) {
        (Some(start), _) if chained >= path.nested => FileProblem {
            message: format!(
                "a chain of {} operators, calls, casts or keywords starts here and nests {at_least}{levels} levels deep, more than the {limit} this tool can parse without risking a stack overflow; split it into smaller expressions (with `let` bindings or helper functions)",
                grouped(path.chain)
            ),
            span: at(start),
        },
        (_, innermost) => FileProblem {
            message: format!(
                "brackets, blocks, generics or closures nest {at_least}{levels} levels deep here (this is the innermost), more than the {limit} this tool can parse without risking a stack overflow; move the inner parts into their own functions, types or `let` bindings"
            ),
            span: innermost.map_or_else(Span::default, at),
        },
    }
}

fn too_many_tokens_in_file() -> FileProblem {
    FileProblem {
        message: format!(
            "the file has more than {} tokens, the most this tool parses in one file (a syntax tree that large could exhaust memory); split it into smaller files",
            grouped(MAX_FILE_TOKENS)
        ),
        span: Span::default(),
    }
}

fn too_many_tokens_in_item(tokens: usize, first: proc_macro2::Span) -> FileProblem {
    FileProblem {
        message: format!(
            "this item has {} tokens, more than the {} this tool parses in one item (its syntax tree could exhaust memory); split it into smaller items",
            grouped(tokens),
            grouped(MAX_ITEM_TOKENS)
        ),
        span: at(first),
    }
}

fn internal(what: &str) -> FileProblem {
    FileProblem {
        message: format!("the file could not be measured before parsing ({what})"),
        span: Span::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(source: &str) -> usize {
        let stream: TokenStream = source.parse().expect("tokens");
        match measure(stream) {
            Ok(measured) => measured.levels,
            Err(problem) => panic!("refused: {}", problem.message),
        }
    }

    /// How many levels an expression adds to `let _ = …;` in a function.
    fn expression(expr: &str) -> usize {
        levels(&format!("fn f() {{ let _ = {expr}; }}")) - levels("fn f() { let _ = a; }")
    }

    #[test]
    fn each_operator_call_and_keyword_of_an_expression_counts_once() {
        // `fn`, the `()` after `f` (counted as a call: it is one when it follows a name),
        // the body, `let` and `=`.
        assert_eq!(levels("fn f() { let _ = a; }"), 5);
        for (expr, added) in [
            ("a + b", 1),
            ("a + b + c + d", 3),
            ("!!!a", 3),
            ("&&a", 2),
            ("- - a", 2),
            // Each call is the `.`, the call and its parentheses' level.
            ("x.f()", 3),
            ("x.f().g()", 5),
            ("x.a.b", 2),
            ("x.0.1", 2),
            ("f()()()", 4),
            ("a[0][0]", 3),
            ("a??", 2),
            ("a as u8 as u16", 2),
            ("return return a", 2),
            ("|| || a", 2),
            ("a..b", 1),
            ("a == b", 1),
            ("a || b", 1),
            // `if` is a level; its condition and blocks are beside each other, and an `else`
            // adds nothing, nor does the `if` of an `else if` (an arm, see below).
            ("if a { b } else if c { d } else { e }", 2),
            ("if a == b + c { d } else if e { f } else { g }", 4),
            ("if a { b } else if c { d } else if e { f } else { g }", 2),
            // An `if` inside an `else` block is a level.
            ("if a { b } else { if c { d } else { e } }", 4),
        ] {
            assert_eq!(expression(expr), added, "{expr}");
        }
    }

    #[test]
    fn runs_of_joined_operator_characters_pair_from_the_left() {
        for (expr, added) in [
            ("a << b", 2),
            ("a << b << c", 4),
            ("a || b || c", 2),
            ("||||a", 2),
            ("||||||a", 3),
            ("a..=b", 1),
            ("a <<= b", 2),
            ("a >>= b", 1),
        ] {
            assert_eq!(expression(expr), added, "{expr}");
        }
        // `fn`, the parameters, `->` and the body are 4; each `<` of the run opens a qualified
        // path.
        assert_eq!(
            levels(&format!("fn f() -> {} {{}}", "<".repeat(1_000))),
            1_004
        );
        let refused = |source: String| {
            let stream: TokenStream = source.parse().expect("tokens");
            measure(stream).err().map(|problem| problem.message)
        };
        for source in [
            format!("fn f() -> {} {{}}", "<".repeat(20_000)),
            format!("fn f() {{ let _ = {} 0; }}", "||".repeat(10_000)),
        ] {
            let message = refused(source).expect("a run this long is refused");
            assert!(message.contains("levels deep"), "{message}");
        }
    }

    #[test]
    fn brackets_generics_and_closure_parameters_are_levels() {
        for (expr, added) in [
            ("(a)", 1),
            ("((a))", 2),
            ("[[a]]", 2),
            ("{ { a } }", 2),
            // Two angle brackets deep, under a call.
            ("Vec::<Vec<u8>>::new()", 3),
            // The parameters are a level beside the body, the closure one above it.
            ("|a, b| a", 2),
            ("|a: Vec<u8>, b| a", 4),
            ("move |a, b| |c, d| a", 4),
        ] {
            assert_eq!(expression(expr), added, "{expr}");
        }
        assert_eq!(levels("type T = Vec<Vec<Vec<u8>>>;"), 5);
        assert_eq!(levels("type T = &&&u8;"), 5);
    }

    #[test]
    fn separators_and_statement_ends_start_the_count_again() {
        // Siblings do not nest: an array of a thousand comparisons is as deep as one.
        let array =
            |element: &str, count: usize| expression(&format!("[{}]", element.repeat(count)));
        assert_eq!(array("a < 1, ", 1_000), array("a < 1, ", 1));
        let mixed = "1 << 3, a <= b, (x < y) as u64, b > c, ";
        assert_eq!(array(mixed, 500), array(mixed, 1));
        // Statements ended by `;` or by a block, match arms, items.
        let statements = |statement: &str, count: usize| {
            levels(&format!("fn f() {{ {} }}", statement.repeat(count)))
        };
        for statement in [
            "a = a;",
            "if a < b { c } ",
            "for x in y { z } ",
            "m! { a } ",
            "'l: loop {} ",
        ] {
            assert_eq!(
                statements(statement, 1_000),
                statements(statement, 1),
                "{statement}"
            );
        }
        let arms = |count: usize| {
            levels(&format!(
                "fn f() {{ match x {{ {} }} }}",
                "n if n < 5 => {}\n".repeat(count)
            ))
        };
        assert_eq!(arms(1_000), arms(1));
        let items = |count: usize| {
            levels(&"pub fn f(a: Vec<u8>) -> Option<u8> { a.first().copied() }\n".repeat(count))
        };
        assert_eq!(items(1_000), items(1));
    }

    #[test]
    fn else_if_arms_are_counted_apart_from_levels() {
        let measured = |source: &str| {
            let stream: TokenStream = source.parse().expect("tokens");
            match measure(stream) {
                Ok(measured) => (measured.levels, measured.arms),
                Err(problem) => panic!("refused: {}", problem.message),
            }
        };
        let chain = |arms: usize| {
            measured(&format!(
                "fn f(x: u32) -> u32 {{ if x == 0 {{ 0 }}{} else {{ 1 }} }}",
                (1..=arms)
                    .map(|arm| format!(" else if x == {arm} {{ {arm} }}"))
                    .collect::<String>()
            ))
        };
        let (levels, arms) = chain(40_000);
        assert_eq!((levels, arms), (chain(1).0, 40_000));
        // Along one path, the arms of chains nested in an arm add up; chains beside each other
        // do not.
        assert_eq!(
            measured(
                "fn f() { if a {} else if b { if c {} else if d {} else if e {} } else if f {} }"
            )
            .1,
            4
        );
        assert_eq!(
            measured("fn f() { if a {} else if b {} if c {} else if d {} else if e {} }").1,
            2
        );
        // `if` in an `else` block, not right after `else`, is a level.
        assert_eq!(measured("fn f() { if a {} else { if b {} } }").1, 0);
    }

    #[test]
    fn a_comparison_is_no_generic_opening() {
        // A `<` that no `>` closes in its group is an operator like `+`.
        assert_eq!(expression("(a < b, c)"), expression("(a + b, c)"));
        assert_eq!(
            expression("[a < b, c < d, e < f]"),
            expression("[a + b, c + d, e + f]")
        );
        // Nor is one that something generics cannot hold separates from the `>`: here the
        // `.` of the call.
        assert_eq!(
            expression("a < b.len() && c > d"),
            expression("a + b.len() && c + d")
        );
    }
}
