//! Our [`MetadataFilter`] in Pinecone's filter language (`$eq`, `$in`, `$and`, `$or`).
//!
//! Pinecone compares strings, numbers and booleans (a list-of-strings field matches when any
//! element does, as [`MetadataFilter::matches`] does) and stores no `null`s, so:
//! - `Eq(k, null)` and `In(k, [])` can match nothing (records never carry a `null`: the store
//!   drops such keys on upsert); `null`s inside `In` are dropped;
//! - an object or array to compare against is refused as `InvalidInput`;
//! - `And([])` matches everything and `Or([])` nothing, as `matches` has it. Such parts are
//!   folded away here, so Pinecone never sees an empty `$and`/`$or`; a filter that can match
//!   nothing is answered without a request.

use growth_core::vector::MetadataFilter;
use growth_core::{Error, Result};
use serde_json::{Map, Value, json};

/// A filter ready for Pinecone.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PineconeFilter {
    /// No condition: send no filter.
    All,
    /// No record can pass: do not ask.
    Nothing,
    /// The `filter` object to send.
    Where(Value),
}

/// Translates `filter`.
///
/// # Errors
/// [`Error::InvalidInput`] for a value Pinecone cannot compare (object, array) or a key it would
/// read as an operator (starting with `$`) or that is empty.
pub(crate) fn translate(filter: &MetadataFilter) -> Result<PineconeFilter> {
    Ok(match filter {
        MetadataFilter::Eq(key, value) => {
            check_key(key)?;
            if value.is_null() {
                PineconeFilter::Nothing
            } else {
                check_value(key, value)?;
                PineconeFilter::Where(condition(key, "$eq", value.clone()))
            }
        }
        MetadataFilter::In(key, values) => {
            check_key(key)?;
            let mut kept = Vec::with_capacity(values.len());
            for v in values.iter().filter(|v| !v.is_null()) {
                check_value(key, v)?;
                kept.push(v.clone());
            }
            if kept.is_empty() { PineconeFilter::Nothing } else { PineconeFilter::Where(condition(key, "$in", Value::Array(kept))) }
        }
        MetadataFilter::And(parts) => {
            let mut kept = Vec::with_capacity(parts.len());
            for part in parts {
                match translate(part)? {
                    PineconeFilter::All => {}
                    PineconeFilter::Nothing => return Ok(PineconeFilter::Nothing),
                    PineconeFilter::Where(v) => kept.push(v),
                }
            }
            combine("$and", kept, PineconeFilter::All)
        }
        MetadataFilter::Or(parts) => {
            let mut kept = Vec::with_capacity(parts.len());
            for part in parts {
                match translate(part)? {
                    PineconeFilter::All => return Ok(PineconeFilter::All),
                    PineconeFilter::Nothing => {}
                    PineconeFilter::Where(v) => kept.push(v),
                }
            }
            combine("$or", kept, PineconeFilter::Nothing)
        }
    })
}

fn condition(key: &str, op: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.to_owned(), json!({ op: value }));
    Value::Object(m)
}

fn combine(op: &str, mut kept: Vec<Value>, when_empty: PineconeFilter) -> PineconeFilter {
    match kept.len() {
        0 => when_empty,
        1 => kept.pop().map_or(when_empty, PineconeFilter::Where),
        _ => PineconeFilter::Where(json!({ op: kept })),
    }
}

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.starts_with('$') {
        return Err(Error::invalid_field("filter", format!("`{key}` cannot be a Pinecone metadata key")));
    }
    Ok(())
}

fn check_value(key: &str, value: &Value) -> Result<()> {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(()),
        other => Err(Error::invalid_field(
            "filter",
            format!("`{key}` is compared with {other}; Pinecone filters compare strings, numbers and booleans"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(k: &str, v: Value) -> MetadataFilter {
        MetadataFilter::Eq(k.into(), v)
    }

    fn sent(f: &MetadataFilter) -> Value {
        match translate(f).unwrap() {
            PineconeFilter::Where(v) => v,
            other => panic!("expected a filter, got {other:?}"),
        }
    }

    #[test]
    fn eq_becomes_dollar_eq_on_the_key() {
        assert_eq!(sent(&eq("kind", json!("playbook"))), json!({"kind": {"$eq": "playbook"}}));
        assert_eq!(sent(&eq("year", json!(2026))), json!({"year": {"$eq": 2026}}));
        assert_eq!(sent(&eq("draft", json!(false))), json!({"draft": {"$eq": false}}));
    }

    #[test]
    fn in_becomes_dollar_in_without_nulls() {
        let f = MetadataFilter::In("kind".into(), vec![json!("playbook"), Value::Null, json!("framework")]);
        assert_eq!(sent(&f), json!({"kind": {"$in": ["playbook", "framework"]}}));
    }

    #[test]
    fn and_and_or_nest() {
        let f = MetadataFilter::And(vec![
            eq("item_id", json!("k-1")),
            MetadataFilter::Or(vec![eq("kind", json!("a")), MetadataFilter::In("tags".into(), vec![json!("plg")])]),
        ]);
        assert_eq!(
            sent(&f),
            json!({"$and": [
                {"item_id": {"$eq": "k-1"}},
                {"$or": [{"kind": {"$eq": "a"}}, {"tags": {"$in": ["plg"]}}]}
            ]})
        );
    }

    #[test]
    fn a_combination_of_one_is_the_condition_itself() {
        assert_eq!(sent(&MetadataFilter::And(vec![eq("a", json!(1))])), json!({"a": {"$eq": 1}}));
        assert_eq!(sent(&MetadataFilter::Or(vec![eq("a", json!(1))])), json!({"a": {"$eq": 1}}));
    }

    #[test]
    fn empty_combinations_fold_like_matches_does() {
        assert_eq!(translate(&MetadataFilter::And(vec![])).unwrap(), PineconeFilter::All);
        assert_eq!(translate(&MetadataFilter::Or(vec![])).unwrap(), PineconeFilter::Nothing);
        // `x AND true` is `x`; `x OR false` is `x`.
        assert_eq!(sent(&MetadataFilter::And(vec![MetadataFilter::And(vec![]), eq("a", json!(1))])), json!({"a": {"$eq": 1}}));
        assert_eq!(sent(&MetadataFilter::Or(vec![MetadataFilter::Or(vec![]), eq("a", json!(1))])), json!({"a": {"$eq": 1}}));
        // `x AND false` is false; `x OR true` is true.
        let never = MetadataFilter::In("a".into(), vec![]);
        assert_eq!(translate(&MetadataFilter::And(vec![eq("a", json!(1)), never])).unwrap(), PineconeFilter::Nothing);
        assert_eq!(translate(&MetadataFilter::Or(vec![eq("a", json!(1)), MetadataFilter::And(vec![])])).unwrap(), PineconeFilter::All);
    }

    #[test]
    fn conditions_that_cannot_match_are_nothing() {
        assert_eq!(translate(&eq("a", Value::Null)).unwrap(), PineconeFilter::Nothing);
        assert_eq!(translate(&MetadataFilter::In("a".into(), vec![Value::Null])).unwrap(), PineconeFilter::Nothing);
    }

    #[test]
    fn objects_arrays_and_operator_keys_are_refused() {
        for f in [
            eq("a", json!({"$gt": 1})),
            eq("a", json!(["x"])),
            MetadataFilter::In("a".into(), vec![json!(["x"])]),
            eq("$or", json!(1)),
            eq("", json!(1)),
        ] {
            assert!(matches!(translate(&f), Err(Error::InvalidInput { field: Some(ref f), .. }) if f == "filter"), "{f:?}");
        }
    }
}
