use super::parse;

/// The shared query set, each query without its `//#` header line and with it.
fn query_set() -> Vec<String> {
    let data = include_str!("../../../tests/data/cypher-queries.txt");
    data.split("\n---\n")
        .flat_map(|block| {
            let body = block.split_once('\n').map_or("", |(_, body)| body);
            [body.to_owned(), block.to_owned()]
        })
        .collect()
}

/// The fast parser's answer, if any, must be decypher's exactly.
fn assert_agrees(text: &str) {
    if let Some(fast) = parse(text) {
        match decypher::parse(text) {
            Ok(reference) => assert!(reference == fast, "{text:?}\n{reference:#?}\n{fast:#?}"),
            Err(error) => panic!("{text:?}: accepted, but decypher says {error:?}"),
        }
    }
}

const COMMON: &[&str] = &[
    "MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant {id: $tenant_id}) SET t.premium_alert107 = true",
    "MATCH (x:Webhook91)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) RETURN x.id AS id, x.name AS name, x.status AS status ORDER BY x.created_at DESC",
    "MATCH (:Partner {id: $partner_id})-[m:MANAGES]->(t:Tenant {id: $tenant_id}) WHERE m.revoked_at IS NULL RETURN t.id",
    "MATCH (p:Partner {id: $partner_id}), (t:Tenant {id: $tenant_id}) MERGE (p)-[:MANAGES]->(t)",
    "MATCH (x:Device)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) RETURN count(x) AS n",
    "MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant {id: $tenant_id})-[:HAS_TICKET]->(x:Ticket {id: $id}) SET x.name = $name, x.updated_at = timestamp()",
    "MATCH (:Partner {id: $partner_id})-[m:MANAGES]->(:Tenant {id: $tenant_id}) SET m.revoked_at = datetime()",
    "MATCH (t:Tenant {id: $tenant_id}) RETURN t",
    "MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant {id: $tenant_id})\nRETURN t.id, t.name",
    "MATCH (t:Tenant {id: $tenant_id})\nOPTIONAL MATCH (t)<-[:BELONGS_TO]-(u:User)\nRETURN t.name AS tenant, count(u) AS users",
    "MATCH (u:User) WHERE u.tenant_id = $tenant_id AND NOT u.disabled OR u.age >= 18 RETURN u.name ORDER BY u.name ASC, u.age DESC SKIP $offset LIMIT 10",
    "match (u:User {tenant_id: $tenant_id}) where u.email ends with '@example.com' return distinct u.email",
    "MATCH (t:Tenant {id: $tenant_id})<-[:BELONGS_TO]-(u:User) WITH t, count(*) AS users WHERE users > 1 RETURN t.id, users",
    "CREATE (t:Tenant {id: $id, name: \"Acme\", seats: 5, active: true, parent: null})",
    "MATCH (t:Tenant {id: $tenant_id}) DETACH DELETE t",
    "// The tenant's users.\nMATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) /* scoped */\nWHERE u.created_at > $since\nRETURN u.id AS id\nORDER BY u.created_at DESC\nLIMIT 50\n",
    "MATCH (n) RETURN n /* unterminated",
    "MATCH (t:Tenant {id: $tenant_id}) MERGE (u:User {email: $email})-[:BELONGS_TO]->(t) ON CREATE SET u.id = randomUUID(), u.created_at = timestamp() ON MATCH SET u.last_seen = timestamp() RETURN u.id",
    "MATCH path = (p:Partner {id: $partner_id})-[:MANAGES*1..3]->(t:Tenant) RETURN t.id, length(path) AS depth",
    "MATCH (a)-[r:KNOWS|:LIKES *2]-(b) WHERE (a.x > 1 OR b.y =~ 'x.*') AND a.kind IN ['a', \"b\", 3] RETURN a, [a.id, b.id] AS ids",
    "MATCH (n:Resource|Document)-[:OWNED_BY]->(t:Tenant {id: $tenant_id}) RETURN n",
    "MATCH (t:Tenant {id: $tenant_id}) CREATE (u:User $props)-[:BELONGS_TO {since: $now}]->(t) RETURN u",
    "MATCH (a)-[r $props]->(b) RETURN r",
    "MATCH (t:Tenant {id: $tenant_id}) SET t.migrated = true; MATCH (p:Partner) SET p.migrated = true;",
    ";; MATCH (n) RETURN n ;",
    "MATCH (u:User)-[:BELONGS_TO]->(:Tenant {id: $tenant_id}) RETURN u.id AS id UNION MATCH (k:ApiKey)-[:ISSUED_FOR]->(:Tenant {id: $tenant_id}) RETURN k.id AS id",
    "MATCH (a:A) RETURN a.id AS id UNION ALL MATCH (b:B) RETURN b.id AS id UNION DISTINCT RETURN 1 AS id",
    "MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) RETURN u {.id, .name, .*, tenant: t.id, name: name, t} AS user ORDER BY u.name",
    "MATCH (n) WHERE (n:Resource OR n:Document:Archived) AND n.owner_id = $user_id RETURN n",
    "MATCH (u:User {id: $user_id}) SET u:Suspended:Locked, u.reason = coalesce($reason, 'unspecified') REMOVE u:Active, u.token, u RETURN u",
    "MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) RETURN u.id, CASE WHEN u.last_login IS NULL THEN 'never' WHEN u.last_login < datetime() - duration('P30D') THEN 'stale' ELSE 'active' END AS status",
    "MATCH (t:Tenant {id: $tenant_id}) RETURN CASE t.plan WHEN 'free' THEN 1 WHEN 'pro' THEN 10 ELSE 100 END AS quota",
    "MATCH (u:User {id: $user_id}) SET u.bio = 'It\\'s a \"test\"\\nline two', u.path = \"C:\\\\tmp\\\\x\", u.e = '\\u00e9\\U0001F600\\q', u.score = -1.5e3 * +2 - -0.25, u.n = 0.5 RETURN u",
    "MATCH (n:Cafe {name: 'Zoë \u{1F600}'}) // déjà vu\nRETURN n.name /* ünïcode */",
    "UNWIND $ids AS id MATCH (t:Tenant {id: id}) SET t += {seen: true} RETURN t.id IN $ids AS known",
];

#[test]
fn common_queries_take_the_fast_path_and_agree() {
    for text in COMMON {
        assert!(parse(text).is_some(), "declined: {text}");
        assert_agrees(text);
    }
}

#[test]
fn most_of_the_query_set_takes_the_fast_path() {
    let accepted = query_set().iter().filter(|q| parse(q).is_some()).count();
    assert!(
        accepted >= 17,
        "only {accepted} queries of the set accepted"
    );
}

#[test]
fn unusual_or_invalid_queries_are_declined() {
    for text in [
        "",
        "   ",
        "MATCH (n) RETURN n.`name`",
        "MATCH (`n`) RETURN n",
        "MATCH (n {name: 'a\\u12'}) RETURN n",
        "MATCH (n {name: 'a\\u00e9abc'}) RETURN n",
        "MATCH (n {name: 'a\\uD800'}) RETURN n",
        "MATCH (n) RETURN 1e",
        "MATCH (n) RETURN 1e999",
        "MATCH (n) RETURN -9223372036854775808",
        "MATCH (n) RETURN CASE n.x WHEN 1 END AS",
        "MATCH (n) RETURN CASE WHEN n.x 1 END",
        "MATCH (n) RETURN n; foo",
        "MATCH (n) RETURN n UNION",
        ";",
        "MATCH (n) RETURN 0x1F",
        "MATCH (n) RETURN 017",
        "MATCH (n) RETURN 99999999999999999999",
        "MATCH (n)",
        "MATCH (n) RETURN",
        "MATCH (n) RETURN n RETURN n",
        "MACTH (n) RETURN n",
        "MATCH (n RETURN n",
        "MATCH (n:A&B) RETURN n",
        "MATCH (n:A|:B) RETURN n",
        "MATCH (n)-[*1..99999999999999999999]->(m) RETURN n",
        "MATCH (n) RETURN [x IN n.list | x.id]",
        "MATCH (n) RETURN [(n)-->(m) | m.id]",
        "MATCH (n) WHERE (n)-[:R]->(:M) RETURN n",
        "MATCH (n) WHERE (n)<--() RETURN n",
        "MATCH (n) WHERE n:true RETURN n",
        "MATCH (n) RETURN n {n.id}",
        "MATCH (n) RETURN n {. id}",
        "MATCH (n) REMOVE n.count",
        "MATCH (n) REMOVE n:A.x",
        "MATCH (n) RETURN apoc.text.join(n.names, ',')",
        "MATCH (n) RETURN *",
        "MATCH (n) RETURN n UNION RETURN",
        "CREATE INDEX FOR (n:A) ON (n.id)",
        "MATCH (n) RETURN n.list[0]",
        "MATCH (n) RETURN 'unterminated",
        "MATCH (n) RETURN 'line\nbreak'",
        "MATCH (é) RETURN é",
        "MATCH (n:Café) RETURN n",
        "MATCH (n) RETURN n\u{a0}",
    ] {
        assert!(parse(text).is_none(), "accepted: {text:?}");
    }
}

#[test]
fn keywords_are_sorted_and_found_in_any_case() {
    assert!(super::lexer::KEYWORDS
        .windows(2)
        .all(|pair| pair[0] < pair[1]));
    for keyword in super::lexer::KEYWORDS {
        assert!(super::is_keyword(keyword.as_bytes()));
        assert!(super::is_keyword(keyword.to_ascii_lowercase().as_bytes()));
    }
    for word in [
        "n",
        "tenant_id",
        "MATCHES",
        "FIELDTERMINATORS",
        "x".repeat(40).as_str(),
    ] {
        assert!(!super::is_keyword(word.as_bytes()), "{word}");
    }
}

#[test]
fn deep_nesting_is_declined_without_recursing_further() {
    let text = format!("RETURN {}1", "NOT ".repeat(10_000));
    assert!(parse(&text).is_none());
    let text = format!("RETURN {}1{}", "f(".repeat(10_000), ")".repeat(10_000));
    assert!(parse(&text).is_none());
}

/// Spans depend on where decypher's grammar skips whitespace and comments, so the
/// common queries are re-spaced at random: every gap between tokens may get whitespace,
/// comments or nothing, and words a different case.
#[test]
fn respaced_common_queries_agree() {
    const GAPS: &[&str] = &[
        "", " ", "  ", "\n", "\t", "/* c */", "// c\n", " /**/ ", "\r\n",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut random = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let mut accepted = 0;
    for query in COMMON {
        let mut tokens = Vec::new();
        let mut at = 0;
        while at < query.len() {
            let token = super::lex(query.as_bytes(), at);
            if !matches!(token.kind, super::Kind::Space | super::Kind::Comment) {
                tokens.push(&query[token.start..token.end]);
            }
            at = token.end;
        }
        for _ in 0..300 {
            let mut text = String::new();
            for token in &tokens {
                if !text.is_empty() {
                    text.push_str(if random(3) == 0 {
                        GAPS[random(GAPS.len())]
                    } else {
                        " "
                    });
                }
                match random(8) {
                    0 => text.push_str(&token.to_ascii_lowercase()),
                    1 => text.push_str(&token.to_ascii_uppercase()),
                    _ => text.push_str(token),
                }
            }
            accepted += usize::from(parse(&text).is_some());
            assert_agrees(&text);
        }
    }
    assert!(accepted > 1_000, "only {accepted} variants accepted");
}

/// Random queries from this parser's subset, nested and combined in ways the query set
/// does not show.
struct Generator(u64);

impl Generator {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }

    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len())]
    }

    fn gap(&mut self) -> &'static str {
        self.pick(&[" ", " ", " ", "  ", "\n", "/*c*/ ", " // c\n"])
    }

    fn name(&mut self) -> &'static str {
        self.pick(&["n", "m", "t", "x", "count", "type", "end", "p_1"])
    }

    fn expression(&mut self, depth: usize) -> String {
        let g = self.gap();
        if depth == 0 {
            return self
                .pick(&[
                    "n", "m.id", "$p", "$limit", "1", "-2", "0.5", "'s'", "\"d\\n\"", "true",
                    "null",
                ])
                .to_owned();
        }
        let (a, b) = (self.expression(depth - 1), self.expression(depth - 1));
        match self.below(16) {
            0 => format!("{a}{g}AND {b}"),
            1 => format!("{a} OR{g}{b}"),
            2 => format!("NOT{g}{a}"),
            3 => format!("{a}{g}={g}{b}"),
            4 => format!("{a} <> {b}"),
            5 => format!("{a} + {b} * {a}"),
            6 => format!("{a} IS{g}NOT NULL"),
            7 => format!("{a} IN [{a},{g}{b}]"),
            8 => format!("({a})"),
            9 => format!("f({a}, {b})"),
            10 => format!("count(*) > {a}"),
            11 => format!("{{k: {a},{g}`q`: {b}}}"),
            12 => format!("n {{.id, k: {a}, m}}"),
            13 => format!("CASE{g}WHEN {a} THEN {b} ELSE {a} END"),
            14 => format!("{a} STARTS WITH {b}"),
            _ => format!("n:{}{g}OR {a}", self.pick(&["A", "A:B", "A|B", "Match"])),
        }
    }

    fn node(&mut self) -> String {
        let variable = if self.below(3) == 0 { "" } else { self.name() };
        let label = self.pick(&["", ":A", ":A:B", ":A|B", " : A"]);
        let properties = match self.below(4) {
            0 => format!(" {{id: {}}}", self.expression(1)),
            1 => " $props".to_owned(),
            _ => String::new(),
        };
        format!("({variable}{label}{properties})")
    }

    fn pattern(&mut self) -> String {
        let mut pattern = self.node();
        for _ in 0..self.below(3) {
            let detail = self.pick(&["", "[]", "[r]", "[:R]", "[r:R|S *1..3]", "[:R {w: 1}]"]);
            let (left, right) = match self.below(3) {
                0 => ("<-", "-"),
                1 => ("-", "->"),
                _ => ("-", "-"),
            };
            pattern = format!("{pattern}{left}{detail}{right}{}", self.node());
        }
        pattern
    }

    fn query(&mut self) -> String {
        let mut clauses = Vec::new();
        for _ in 0..1 + self.below(3) {
            let g = self.gap();
            clauses.push(match self.below(9) {
                0 => format!("MATCH {}{g}WHERE {}", self.pattern(), self.expression(2)),
                1 => format!("OPTIONAL MATCH {}, {}", self.pattern(), self.pattern()),
                2 => format!("UNWIND {} AS x", self.expression(1)),
                3 => format!("WITH {} AS x, n ORDER BY x DESC", self.expression(2)),
                4 => format!("CREATE {}", self.pattern()),
                5 => format!(
                    "MERGE {} ON CREATE SET n.a = {}",
                    self.pattern(),
                    self.expression(1)
                ),
                6 => format!("SET n.a = {},{g}n:L, n += {{}}", self.expression(2)),
                7 => "DETACH DELETE n REMOVE n.a, n:L".to_owned(),
                _ => format!("MATCH {}", self.pattern()),
            });
        }
        let ending = match self.below(4) {
            0 => format!(
                "RETURN DISTINCT {} AS y SKIP 1 LIMIT $l",
                self.expression(2)
            ),
            1 => format!("RETURN n, {} ORDER BY n.id", self.expression(2)),
            2 => "RETURN n UNION ALL MATCH (n) RETURN n;".to_owned(),
            _ => String::new(),
        };
        clauses.push(ending);
        clauses.join(self.gap())
    }
}

#[test]
fn generated_queries_agree() {
    let mut generator = Generator(0x2545_f491_4f6c_dd1d);
    let mut accepted = 0;
    for _ in 0..10_000 {
        let query = generator.query();
        accepted += usize::from(parse(&query).is_some());
        assert_agrees(&query);
    }
    assert!(
        accepted > 3_000,
        "only {accepted} generated queries accepted"
    );
}

#[test]
fn the_query_set_and_every_prefix_agree() {
    for query in query_set() {
        let boundaries = (0..=query.len()).filter(|&i| query.is_char_boundary(i));
        for end in boundaries {
            assert_agrees(&query[..end]);
        }
    }
}

#[test]
fn one_byte_mutations_of_the_query_set_agree() {
    const REPLACEMENTS: &[&str] = &[
        "", " ", "(", ")", "[", "]", "{", "}", ":", ",", ".", "$", "-", ">", "<", "=", "a", "1",
        "'", "\\", "*", "`", "|", "NOT ", " AS x", "\\u00", "e", "0.", " END", ";",
    ];
    let mut accepted = 0;
    // The blocks with their header comment, which also cover comments.
    for query in query_set().iter().skip(1).step_by(2) {
        for at in (0..query.len()).filter(|&i| query.is_char_boundary(i)) {
            let next = (at + 1..=query.len())
                .find(|&i| query.is_char_boundary(i))
                .unwrap_or(query.len());
            for replacement in REPLACEMENTS {
                let mutated = format!("{}{replacement}{}", &query[..at], &query[next..]);
                accepted += usize::from(parse(&mutated).is_some());
                assert_agrees(&mutated);
            }
        }
    }
    // The mutations must reach the comparison, not only the early refusals.
    assert!(accepted > 1_000, "only {accepted} mutations accepted");
}
