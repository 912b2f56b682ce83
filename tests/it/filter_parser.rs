//! The `filter` parser: what it accepts, how it types values, what it refuses.

use chrono::{NaiveDate, TimeZone, Utc};
use email_manager::http::filter::parse_filter;
use email_manager::query::{Condition, FieldKind, Filter, MESSAGE_FIELDS, Operator, Scalar, Value};

fn parse(text: &str) -> Filter {
    parse_filter(text, MESSAGE_FIELDS).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn refuse(text: &str) -> String {
    match parse_filter(text, MESSAGE_FIELDS) {
        Ok(filter) => panic!("{text} was accepted as {filter:?}"),
        Err(error) => error.to_string(),
    }
}

/// A condition on the field named `name`, which must be of `kind`.
fn cond(name: &str, kind: FieldKind, op: Operator, value: Value) -> Filter {
    let field = *MESSAGE_FIELDS
        .iter()
        .find(|f| f.name() == name)
        .unwrap_or_else(|| panic!("no field {name}"));
    assert_eq!(field.kind(), kind, "{name}");
    Filter::Condition(Condition { field, op, value })
}

fn text(s: &str) -> Scalar {
    Scalar::Text(s.into())
}

#[test]
fn a_bare_value_means_eq_and_an_array_means_in() {
    assert_eq!(
        parse(r#"{"isRead": false}"#),
        cond(
            "isRead",
            FieldKind::Bool,
            Operator::Eq,
            Value::One(Scalar::Bool(false))
        )
    );
    assert_eq!(
        parse(r#"{"accountId": [1, "2"]}"#),
        cond(
            "accountId",
            FieldKind::Id,
            Operator::In,
            Value::Many(vec![Scalar::Int(1), Scalar::Int(2)])
        )
    );
    assert_eq!(parse("{}"), Filter::And(vec![]));
}

#[test]
fn addresses_and_domains_are_lower_cased() {
    assert_eq!(
        parse(r#"{"participants.address": {"$in": ["Ann@Acme.COM", " bob@x.io "]}}"#),
        cond(
            "participants.address",
            FieldKind::Address,
            Operator::In,
            Value::Many(vec![text("ann@acme.com"), text("bob@x.io")])
        )
    );
    assert_eq!(
        parse(r#"{"participants.domain": {"$eq": "ACME.com"}}"#),
        cond(
            "participants.domain",
            FieldKind::Domain,
            Operator::Eq,
            Value::One(text("acme.com"))
        )
    );
}

#[test]
fn nested_and_dotted_operator_forms_reach_the_same_field() {
    let expected = cond(
        "from.address",
        FieldKind::Address,
        Operator::Includes,
        Value::One(text("acme")),
    );
    assert_eq!(
        parse(r#"{"from": {"address": {"$includes": "ACME"}}}"#),
        expected
    );
    assert_eq!(parse(r#"{"from.address.$includes": "ACME"}"#), expected);
    assert_eq!(
        parse(r#"{"from.address": {"$includes": "ACME"}}"#),
        expected
    );
}

#[test]
fn and_or_groups_nest() {
    let filter = parse(
        r#"{"$and": [{"subject": {"$includes": "invoice"}}, {"$or": [{"isStarred": true}, {"hasAttachments": true}]}]}"#,
    );
    assert_eq!(
        filter,
        Filter::And(vec![
            cond(
                "subject",
                FieldKind::Text,
                Operator::Includes,
                Value::One(text("invoice"))
            ),
            Filter::Or(vec![
                cond(
                    "isStarred",
                    FieldKind::Bool,
                    Operator::Eq,
                    Value::One(Scalar::Bool(true))
                ),
                cond(
                    "hasAttachments",
                    FieldKind::Bool,
                    Operator::Eq,
                    Value::One(Scalar::Bool(true))
                ),
            ]),
        ])
    );
}

#[test]
fn dates_take_days_and_rfc3339_times() {
    let day = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
    assert_eq!(
        parse(r#"{"date": {"$dateOn": "2026-01-31"}}"#),
        cond(
            "date",
            FieldKind::Date,
            Operator::DateOn,
            Value::One(Scalar::Day(day))
        )
    );
    assert_eq!(
        parse(r#"{"date": {"$dateOn": "2026-01-31T23:00:00+00:00"}}"#),
        cond(
            "date",
            FieldKind::Date,
            Operator::DateOn,
            Value::One(Scalar::Day(day))
        )
    );
    let instant = Utc.with_ymd_and_hms(2026, 1, 31, 8, 0, 0).unwrap();
    assert_eq!(
        parse(r#"{"date": {"$gte": "2026-01-31T09:00:00+01:00"}}"#),
        cond(
            "date",
            FieldKind::Date,
            Operator::Gte,
            Value::One(Scalar::Instant(instant))
        )
    );
    // Several operators on one field all apply.
    assert!(matches!(
        parse(r#"{"date": {"$dateAfter": "2026-01-01", "$dateBefore": "2026-02-01"}}"#),
        Filter::And(parts) if parts.len() == 2
    ));
}

#[test]
fn every_listed_operator_is_accepted_where_it_fits() {
    for filter in [
        r#"{"subject": {"$ne": "x"}}"#,
        r#"{"subject": {"$notIn": ["a", "b"]}}"#,
        r#"{"subject": {"$notIncludes": ["a", "b"]}}"#,
        r#"{"to.address": {"$empty": true}}"#,
        r#"{"subject": {"$notEmpty": true}}"#,
        r#"{"date": {"$exists": false}}"#,
        r#"{"id": {"$gt": 5, "$lt": 9}}"#,
        r#"{"threadId": {"$lte": 5}}"#,
        r#"{"folderId": {"$gte": "7"}}"#,
        r#"{"subject": null}"#,
        r#"{"subject": {"$eq": null}}"#,
    ] {
        parse(filter);
    }
}

#[test]
fn unknown_fields_and_operators_are_refused_with_their_place() {
    assert!(refuse(r#"{"password": "x"}"#).contains("unknown field \"password\""));
    assert!(refuse(r#"{"from": {"name": "x"}}"#).contains("unknown field \"from.name\""));
    assert!(refuse(r#"{"subject": {"$regexp": ".*"}}"#).contains("unknown operator $regexp"));
    assert!(
        refuse(r#"{"$or": [{"isRead": true}, {"bogus": 1}]}"#).starts_with("filter.$or[1].bogus")
    );
    assert!(refuse(r#"{"$where": "1=1"}"#).contains("needs a field"));
    assert!(refuse(r#"{"subject": {"nested": 1}}"#).contains("no sub-field"));
}

#[test]
fn operators_that_do_not_fit_the_field_are_refused() {
    for (filter, field) in [
        (r#"{"isRead": {"$gt": true}}"#, "isRead"),
        (r#"{"isRead": {"$in": [true]}}"#, "isRead"),
        (r#"{"subject": {"$gt": "a"}}"#, "subject"),
        (r#"{"accountId": {"$includes": "1"}}"#, "accountId"),
        (r#"{"subject": {"$dateOn": "2026-01-01"}}"#, "subject"),
    ] {
        assert!(
            refuse(filter).contains(&format!("cannot be used on {field}")),
            "{filter}"
        );
    }
}

#[test]
fn values_of_the_wrong_type_are_refused() {
    for filter in [
        r#"{"accountId": "one"}"#,
        r#"{"accountId": 1.5}"#,
        r#"{"isRead": "maybe"}"#,
        r#"{"subject": 42}"#,
        r#"{"date": {"$gt": "yesterday"}}"#,
        r#"{"date": {"$gt": 1700000000}}"#,
        r#"{"subject": {"$empty": "yes"}}"#,
        r#"{"subject": {}}"#,
        r#"{"$and": "isRead"}"#,
        "[]",
        "not json",
    ] {
        refuse(filter);
    }
}

#[test]
fn hostile_sizes_are_refused() {
    let deep = format!("{}{{}}{}", r#"{"$and":["#.repeat(40), "]}".repeat(40));
    assert!(refuse(&deep).contains("nested deeper"));
    let many: Vec<String> = (0..300).map(|i| format!(r#"{{"id": {i}}}"#)).collect();
    assert!(refuse(&format!(r#"{{"$or": [{}]}}"#, many.join(","))).contains("conditions"));
    let list: Vec<String> = (0..1001).map(|i| i.to_string()).collect();
    assert!(refuse(&format!(r#"{{"id": {{"$in": [{}]}}}}"#, list.join(","))).contains("values"));
    assert!(refuse(&format!(r#"{{"subject": "{}"}}"#, "x".repeat(1001))).contains("longer"));
}
