use super::*;

#[test]
fn module_paths_from_file_paths() {
    assert_eq!(
        module_path_of_file("portal/src/partner/mod.rs"),
        ["partner"]
    );
    assert_eq!(
        module_path_of_file("src/store/users.rs"),
        ["store", "users"]
    );
    assert_eq!(module_path_of_file("src/lib.rs"), Vec::<String>::new());
    assert_eq!(
        module_path_of_file("crates/api/src/main.rs"),
        Vec::<String>::new()
    );
    assert_eq!(
        module_path_of_file("tests/partner_flow.rs"),
        ["partner_flow"]
    );
}

fn function(source: &str) -> FunctionDef {
    let item: syn::ItemFn = syn::parse_str(source).unwrap();
    let context = FnContext {
        module_path: &[],
        impl_type: None,
        trait_name: None,
    };
    function_def(
        &context,
        &item.attrs,
        &item.sig,
        &item.block,
        crate::source::fn_item_span(&item),
    )
}

#[test]
fn attributes_without_doc_comments() {
    let f = function(
        r#"/// Deletes a tenant.
            #[doc = "More."]
            #[delete("/tenants/{id}")]
            #[tokio::test]
            /** Block docs. */
            #[cached(key = "String", convert = r"{ id.clone() }")]
            fn f() {}"#,
    );
    let attributes: Vec<(&str, Option<&str>)> = f
        .attributes
        .iter()
        .map(|a| (a.name.as_str(), a.first_string.as_deref()))
        .collect();
    assert_eq!(
        attributes,
        [
            ("delete", Some("/tenants/{id}")),
            ("test", None),
            ("cached", None)
        ]
    );
    assert_eq!(f.attributes.capacity(), 3);
}

#[test]
fn params_know_their_trait_bounds() {
    let f = function("async fn h<C: redis::AsyncCommands + Send, D>(a: &mut C, b: impl Commands, c: D, d: u8) where D: Cached<String, u8> {}");
    let bounds: Vec<Vec<String>> = f
        .params
        .iter()
        .map(|p| p.bounds.iter().map(|b| b.join("::")).collect())
        .collect();
    assert_eq!(
        bounds,
        [
            vec!["redis::AsyncCommands".to_string(), "Send".to_string()],
            vec!["Commands".to_string()],
            vec!["Cached".to_string()],
            vec![],
        ]
    );
}

#[test]
fn params_see_through_extractors() {
    let f = function("async fn h(Extension(session): Extension<PartnerSession>, State(db): State<Db>, id: &str) {}");
    let names: Vec<_> = f
        .params
        .iter()
        .map(|p| p.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["session", "db", "id"]);
    assert_eq!(f.params[0].ty.args()[0].name(), Some("PartnerSession"));
}

#[test]
fn calls_know_whether_their_failure_leaves_the_function() {
    let f = function(
        r#"async fn layer(req: Request, next: Next) -> Result<Response, StatusCode> {
                ensure_manages(&a, &b).await.map_err(|_| StatusCode::FORBIDDEN)?;
                if !partner_manages(&a).await { return Err(StatusCode::FORBIDDEN); }
                if let Err(e) = verify_manages(&a).await { tracing::warn!("{e}"); }
                let Ok(tenant) = load_tenant(&a).await else { return Err(StatusCode::NOT_FOUND) };
                match check_scope(&a) { Ok(()) => {}, Err(_) => return Err(StatusCode::FORBIDDEN) }
                let _ = audit_access(&a).await;
                record(&a);
                Ok(next.run(req).await)
            }"#,
    );
    let exiting: Vec<&str> = f
        .calls
        .iter()
        .filter(|call| call.exits_on_failure)
        .map(CallSite::name)
        .collect();
    assert_eq!(
        exiting,
        [
            "ensure_manages",
            "partner_manages",
            "Err",
            "load_tenant",
            "Err",
            "check_scope",
            "Err",
            "Ok"
        ]
    );
    // The tail answers with the outcome; a check in a closure leaves only the closure.
    let tail = function("async fn from_request_parts(p: &mut Parts) -> Result<Self, E> { ensure_manages(&p).await.map(|_| Self) }");
    let guard = tail
        .calls
        .iter()
        .find(|call| call.name() == "ensure_manages");
    assert!(guard.is_some_and(|call| call.exits_on_failure), "{guard:?}");
}

#[test]
fn calls_know_their_block_and_whether_their_result_is_discarded() {
    let f = function(
        r#"async fn h() {
                ensure_manages(&a, &b).await?;
                let _ = check_partner_access(&a).await;
                verify_manages(&a).ok();
                if x { require_manages(&a)?; }
                for t in ts { store::write(t).await; }
                tokio::spawn(async move { audit!(t) });
            }"#,
    );
    let summary: Vec<(String, BlockKind, bool)> = f
        .calls
        .iter()
        .map(|c| {
            (
                c.name().to_string(),
                f.blocks[c.block].kind,
                c.result_discarded,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("ensure_manages".into(), BlockKind::Body, false),
            ("check_partner_access".into(), BlockKind::Body, true),
            ("ok".into(), BlockKind::Body, false),
            ("verify_manages".into(), BlockKind::Body, true),
            ("require_manages".into(), BlockKind::Branch, false),
            ("write".into(), BlockKind::Loop, false),
            ("spawn".into(), BlockKind::Body, false),
            ("audit".into(), BlockKind::Deferred, false),
        ]
    );
    assert!(f.block_unconditional(f.calls[0].block));
    assert!(!f.block_unconditional(f.calls[4].block));
}

#[test]
fn value_paths_are_recorded() {
    let f = function(
        "fn default() -> Self { Self { scopes: Permissions::all(), level: Scope::Full, n: x } }",
    );
    let paths: Vec<String> = f
        .value_paths
        .iter()
        .map(|(segments, _)| segments.join("::"))
        .collect();
    assert_eq!(paths, ["Permissions::all", "Scope::Full"]);
}

#[test]
fn struct_literals_with_fields_rest_and_self() {
    let source = r#"fn h() {
            let e = audit::AuditEvent { actor_tenant_id: session.tenant_id.clone(), action, ..Default::default() };
            let u = Usage { tenant_id: &t, units: n + 1, ..base };
            let r = Report { inner: Stats { count: 1 }, ..Stats::default() };
        }"#;
    let item: syn::ItemFn = syn::parse_str(source).unwrap();
    let context = FnContext {
        module_path: &[],
        impl_type: Some("Ledger"),
        trait_name: None,
    };
    let f = function_def(
        &context,
        &item.attrs,
        &item.sig,
        &item.block,
        crate::source::fn_item_span(&item),
    );
    let names: Vec<&str> = f
        .struct_literals
        .iter()
        .map(|l| l.type_name.as_str())
        .collect();
    assert_eq!(names, ["AuditEvent", "Usage", "Report", "Stats"]);
    let audit = &f.struct_literals[0];
    assert_eq!(
        audit
            .field("actor_tenant_id")
            .and_then(|f| f.value.place.clone()),
        Some(vec![Name::from("session"), Name::from("tenant_id")])
    );
    // Shorthand `action` reads the place `action`.
    assert_eq!(
        audit.field("action").and_then(|f| f.value.place.clone()),
        Some(vec![Name::from("action")])
    );
    assert!(audit.rest.as_ref().is_some_and(|rest| rest.is_default));
    assert!(f.struct_literals[1]
        .rest
        .as_ref()
        .is_some_and(|rest| !rest.is_default));
    assert!(f.struct_literals[2]
        .rest
        .as_ref()
        .is_some_and(|rest| rest.is_default));
    let units = f.struct_literals[1].field("units").unwrap();
    assert_eq!(&source[units.value.span.range()], "n + 1");
    // `Self { .. }` is the impl type.
    let f = {
        let item: syn::ItemFn =
            syn::parse_str("fn new() -> Self { Self { tenant_id: 1 } }").unwrap();
        function_def(
            &context,
            &item.attrs,
            &item.sig,
            &item.block,
            crate::source::fn_item_span(&item),
        )
    };
    assert_eq!(f.struct_literals[0].type_name, "Ledger");
}

/// An argument's shape, read as a rule reads it: the indexed fact and the file's text.
fn shape(source: &str) -> Option<u64> {
    let text: std::sync::Arc<str> = source.into();
    let lines = crate::positions::LineIndex::new(&text);
    let fact = crate::source::with_fast_spans(&text, &lines, || {
        arg_fact(&syn::parse_str::<syn::Expr>(source).unwrap())
    });
    fact.shape(source)
}

#[test]
fn a_bare_path_argument_is_the_string_expression_str_expr_reads() {
    for source in [
        "tenant_id",
        "queries::LIST_USERS",
        "Self::QUERY",
        "::std::QUERY",
        "r#type",
        "Vec::<u8>::QUERY",
        "<T as Queries>::LIST",
        "#[allow(unused)] tenant_id",
        "(tenant_id)",
    ] {
        let text: std::sync::Arc<str> = source.into();
        let lines = crate::positions::LineIndex::new(&text);
        let (fact, direct) = crate::source::with_fast_spans(&text, &lines, || {
            let expr = syn::parse_str::<syn::Expr>(source).unwrap();
            (arg_fact(&expr), crate::strings::str_expr(&expr))
        });
        assert_eq!(fact.string, direct, "{source}");
    }
}

#[test]
fn shapes_compare_non_place_expressions_structurally() {
    assert_eq!(shape("Some(a.b)"), shape("&Some( a . b ).clone()"));
    assert_ne!(shape("Some(a.b)"), shape("Some(a.c)"));
    assert_eq!(shape("a.b"), None, "places compare by place");
    assert_eq!(shape("|| x"), None);
}

/// The fingerprint follows the tokens and their structure: layout and comments do not
/// count, every token text and grouping does.
#[test]
fn shapes_follow_tokens_not_layout() {
    let same = [
        (
            "f(a, \"x y\", 'c', 1.5e3, r#type)",
            "f( a,\"x y\",'c' , 1.5e3,r#type )",
        ),
        (
            "Some([a.b, c::d][0] + !e)",
            "Some([a.b /* first */, c :: d][0]\n + !e)",
        ),
        ("{ x }.y()", "{x}.y( )"),
        ("a && b as u64", "a&&b // why\n as u64"),
        ("f(b\"x\", 'y', r#\"z\"#)", "f( b\"x\" , 'y' , r#\"z\"# )"),
    ];
    for (one, other) in same {
        assert!(shape(one).is_some(), "{one}");
        assert_eq!(shape(one), shape(other), "{one} / {other}");
    }
    let different = [
        ("f(a, \"x y\")", "f(a, \"x  y\")"),
        ("f(1.5e3)", "f(1500.0)"),
        ("x + y * z", "(x + y) * z"),
        ("f(a)", "f(a,)"),
        ("f(a)", "f![a]"),
        ("tenant.id()", "tenant.name()"),
        ("a & &b", "a && b"),
        ("f(&mut x)", "f(&mutx)"),
        ("f(\"a // b\")", "f(\"a\")"),
    ];
    for (one, other) in different {
        assert_ne!(shape(one), shape(other), "{one} / {other}");
    }
}

fn event_of(f: &FunctionDef, name: &str) -> EventFact {
    f.calls
        .iter()
        .find(|c| c.name() == name)
        .and_then(|c| c.event.as_deref().cloned())
        .expect("an event")
}

#[test]
fn event_macros_record_target_and_fields() {
    let f = function(
        r#"fn h() {
                tracing::info!(target: "audit", actor_tenant_id = %session.tenant_id, target_tenant_id = ?tenant_id, %action, user.id, "rotated {}", load(name));
                event!(target: "audit", Level::WARN, r#type = "x", "msg");
                warn!("plain {}", x);
                audit!(actor_tenant_id = a, target_tenant_id = b);
            }"#,
    );
    let info = event_of(&f, "info");
    assert_eq!(info.target.as_deref(), Some("audit"));
    let fields: Vec<(&str, Option<String>)> = info
        .fields
        .iter()
        .map(|field| {
            (
                field.name.as_str(),
                field.value.place.as_ref().map(|p| p.join(".")),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("actor_tenant_id", Some("session.tenant_id".to_string())),
            ("target_tenant_id", Some("tenant_id".to_string())),
            ("action", Some("action".to_string())),
            ("user.id", Some("user.id".to_string())),
        ]
    );
    // Calls inside the event are still seen.
    assert!(f.calls.iter().any(|c| c.name() == "load"));
    let event = event_of(&f, "event");
    assert_eq!(event.target.as_deref(), Some("audit"));
    assert_eq!(event.fields[0].name, "type");
    let plain = event_of(&f, "warn");
    assert_eq!((plain.target, plain.fields.len()), (None, 0));
    let custom = event_of(&f, "audit");
    assert_eq!(custom.fields.len(), 2);
    assert_eq!(custom.fields[1].name, "target_tenant_id");
}

#[test]
fn malformed_event_bodies_are_skipped_not_fatal() {
    let f = function(r#"fn h() { info!(target: , = %); error!(target: "audit" a b); }"#);
    assert!(f.calls.iter().all(|c| c.event.is_none()));
}

#[test]
fn reads_are_the_longest_place_chains() {
    let f = function(
        r#"fn h() { let k = format!("{}:{}", session.tenant_id, load(x).id); conn.set(&k, v); }"#,
    );
    let reads: Vec<String> = f.reads.iter().map(|read| read.place.join(".")).collect();
    assert_eq!(reads, ["session.tenant_id", "load", "x", "conn", "k", "v"]);
}

#[test]
fn places_look_through_references_and_copies() {
    let expr: syn::Expr = syn::parse_str("&session.tenant_id.clone()").unwrap();
    assert_eq!(
        place_of(&expr),
        Some(vec![Name::from("session"), Name::from("tenant_id")])
    );
    let expr: syn::Expr = syn::parse_str("format!(\"{}\", x)").unwrap();
    assert_eq!(place_of(&expr), None);
}

#[test]
fn comparisons_in_every_spelling_read_through_normalizing_calls() {
    let f = function(
        r#"fn h(body: Body, tenant: Tenant) {
                if body.confirm.trim() != tenant.name { return; }
                ensure!(body.confirm == tenant.name.to_lowercase(), "typed name");
                assert_eq!(&body.confirm, "DELETE");
                if !body.confirm.eq_ignore_ascii_case(&tenant.slug) { return; }
                let x = a < b;
            }"#,
    );
    let pairs: Vec<(Option<String>, Option<String>, usize)> = f
        .comparisons
        .iter()
        .map(|c| {
            (
                c.left.place.as_ref().map(|p| p.join(".")),
                c.right.place.as_ref().map(|p| p.join(".")),
                c.block,
            )
        })
        .collect();
    let some = |text: &str| Some(text.to_string());
    assert_eq!(
        pairs,
        [
            (some("body.confirm"), some("tenant.name"), 0),
            (some("body.confirm"), some("tenant.name"), 0),
            (some("body.confirm"), None, 0),
            (some("body.confirm"), some("tenant.slug"), 0),
        ]
    );
    assert!(f.comparisons[2].right.string.is_some());
}

#[test]
fn iterations_record_the_collection_and_the_body() {
    let f = function(
        r#"async fn h() {
                for t in store::all_tenants(&db).await?.iter().take(3) { run(t).await; }
                while let Ok(Some(row)) = rows.next().await { use_row(row); }
                join_all(tenants.iter().map(|(i, t)| async move { run(t).await }));
                stream::iter(&tenants).for_each_concurrent(None, |t| async move { run(t).await });
            }"#,
    );
    type Summary = (IterKind, Option<String>, Option<u64>, Vec<String>);
    let summary: Vec<Summary> = f
        .iterations
        .iter()
        .map(|it| {
            (
                it.kind.clone(),
                it.source.place.as_ref().map(|p| p.join(".")),
                it.take.as_ref().and_then(|t| t.int),
                it.bindings.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (IterKind::For, None, Some(3), vec!["t".to_string()]),
            (
                IterKind::WhileLet,
                Some("rows".into()),
                None,
                vec!["row".to_string()]
            ),
            (
                IterKind::Closure("map".into()),
                Some("tenants".into()),
                None,
                vec!["i".to_string(), "t".to_string()]
            ),
            (
                IterKind::Closure("for_each_concurrent".into()),
                Some("tenants".into()),
                None,
                vec!["t".to_string()]
            ),
        ]
    );
    // The `for` source is the call, and every body block holds its work.
    let all = f.calls.iter().find(|c| c.name() == "all_tenants").unwrap();
    assert_eq!(f.iterations[0].source.span, all.span);
    for (iteration, work) in f.iterations.iter().zip(["run", "use_row", "run", "run"]) {
        assert!(f
            .calls
            .iter()
            .any(|c| c.name() == work && f.block_within(c.block, iteration.body)));
    }
}

#[test]
fn closures_patterns_status_tuples_and_json_values() {
    let f = function(
        r#"fn h() {
                let r = graph.run(q).await.map_err(|e| (StatusCode::BAD_GATEWAY, e.to_string()));
                match self { AppError::Db(source) => 1, AppError::Upstream { cause, .. } | Err(cause) => 2, _ => 3 }
                if let Err(err) = r { Json(json!({"error": err.to_string(), "ids": [a, b], "n": {"q": QUERY}})) }
            }"#,
    );
    let closure = &f.closures[0];
    assert_eq!(
        (closure.callee.as_str(), closure.params.clone()),
        ("map_err", vec!["e".to_string()])
    );
    assert!(f
        .calls
        .iter()
        .any(|c| c.name() == "to_string" && f.block_within(c.block, closure.body)));
    let patterns: Vec<(String, Vec<(String, String)>)> = f
        .patterns
        .iter()
        .map(|p| (p.path.join("::"), p.bindings.clone()))
        .collect();
    assert_eq!(
        patterns,
        [
            (
                "AppError::Db".to_string(),
                vec![("source".to_string(), "0".to_string())]
            ),
            (
                "AppError::Upstream".to_string(),
                vec![("cause".to_string(), "cause".to_string())]
            ),
            (
                "Err".to_string(),
                vec![("cause".to_string(), "0".to_string())]
            ),
            (
                "Err".to_string(),
                vec![("err".to_string(), "0".to_string())]
            ),
        ]
    );
    assert_eq!(f.status_tuples.len(), 1);
    assert_eq!(f.status_tuples[0].parts.len(), 1);
    let json = f.calls.iter().find(|c| c.name() == "json").unwrap();
    let places: Vec<Option<String>> = json
        .args
        .iter()
        .map(|a| a.place.as_ref().map(|p| p.join(".")))
        .collect();
    // `.to_string()` reads the place it is called on.
    assert_eq!(
        places,
        [
            Some("err".into()),
            Some("a".into()),
            Some("b".into()),
            Some("QUERY".into())
        ]
    );
    let to_string = f.calls.iter().filter(|c| c.name() == "to_string").count();
    assert_eq!(to_string, 2, "calls inside json! are seen");
}
