//! Splitting an upsert into requests Pinecone accepts: at most 1,000 records and at most 2 MB of
//! body each, whichever is reached first.

use growth_core::vector::VectorRecord;
use growth_core::{Error, Result};

use super::models::UpsertVector;

/// Most records in one upsert request.
pub(crate) const MAX_RECORDS: usize = 1_000;
/// Most bytes in one upsert request body (Pinecone's "2 MB", read as the smaller decimal megabytes).
pub(crate) const MAX_BODY_BYTES: usize = 2_000_000;
/// Most ids in one delete request.
pub(crate) const MAX_DELETE_IDS: usize = 1_000;

/// One upsert request body and how many records it carries.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) records: usize,
    pub(crate) body: Vec<u8>,
}

/// The bodies of `POST /vectors/upsert` for `records`, in order, each with at most `max_records`
/// records and at most `max_bytes` bytes: `{"namespace":…,"vectors":[…]}`.
///
/// # Errors
/// [`Error::InvalidInput`] naming the record when one alone does not fit in `max_bytes` (before
/// anything is sent).
pub(crate) fn upsert_batches(namespace: &str, records: &[VectorRecord], max_records: usize, max_bytes: usize) -> Result<Vec<Batch>> {
    let max_records = max_records.max(1);
    let mut prefix = b"{\"namespace\":".to_vec();
    serde_json::to_writer(&mut prefix, namespace).map_err(|e| Error::internal("pinecone: cannot encode the namespace", e))?;
    prefix.extend_from_slice(b",\"vectors\":[");
    const SUFFIX: &[u8] = b"]}";
    let overhead = prefix.len() + SUFFIX.len();

    let mut batches = Vec::new();
    let mut body = prefix.clone();
    let mut count = 0;
    for r in records {
        let encoded = serde_json::to_vec(&UpsertVector::new(&r.id, &r.values, &r.metadata))
            .map_err(|e| Error::internal(format!("pinecone: cannot encode record `{}`", r.id), e))?;
        if overhead + encoded.len() > max_bytes {
            return Err(Error::invalid_field(
                "metadata",
                format!(
                    "record `{}` takes {} bytes; a Pinecone upsert request holds at most {max_bytes} (metadata is limited to 40 KB per record)",
                    r.id,
                    encoded.len()
                ),
            ));
        }
        let separator = usize::from(count > 0);
        if count == max_records || body.len() + separator + encoded.len() + SUFFIX.len() > max_bytes {
            body.extend_from_slice(SUFFIX);
            batches.push(Batch { records: count, body: std::mem::replace(&mut body, prefix.clone()) });
            count = 0;
        }
        if count > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&encoded);
        count += 1;
    }
    if count > 0 {
        body.extend_from_slice(SUFFIX);
        batches.push(Batch { records: count, body });
    }
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use growth_core::vector::Metadata;
    use serde_json::{Value, json};

    use super::*;

    fn rec(id: &str, text: &str) -> VectorRecord {
        let mut m = Metadata::new();
        m.insert("text".into(), json!(text));
        VectorRecord { id: id.into(), values: vec![0.25, -1.0], metadata: m }
    }

    fn ids(b: &Batch) -> Vec<String> {
        let v: Value = serde_json::from_slice(&b.body).unwrap();
        assert_eq!(v["namespace"], json!("kb"));
        v["vectors"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn records_are_split_by_count() {
        let records: Vec<_> = (0..7).map(|i| rec(&format!("r{i}"), "t")).collect();
        let batches = upsert_batches("kb", &records, 3, MAX_BODY_BYTES).unwrap();
        assert_eq!(batches.iter().map(|b| b.records).collect::<Vec<_>>(), [3, 3, 1]);
        assert_eq!(batches.iter().flat_map(ids).collect::<Vec<_>>(), records.iter().map(|r| r.id.clone()).collect::<Vec<_>>());
    }

    #[test]
    fn records_are_split_by_bytes_and_every_body_fits_exactly() {
        let records: Vec<_> = (0..20).map(|i| rec(&format!("r{i}"), &"x".repeat(50 + i))).collect();
        let one = upsert_batches("kb", &records[..1], 1000, MAX_BODY_BYTES).unwrap().remove(0).body.len();
        let limit = one * 3;
        let batches = upsert_batches("kb", &records, 1000, limit).unwrap();
        assert!(batches.len() > 5, "{}", batches.len());
        for b in &batches {
            assert!(b.body.len() <= limit, "{} > {limit}", b.body.len());
            assert_eq!(ids(b).len(), b.records);
        }
        assert_eq!(batches.iter().flat_map(ids).collect::<Vec<_>>(), records.iter().map(|r| r.id.clone()).collect::<Vec<_>>());
        // A body of exactly the limit is allowed.
        let exact = upsert_batches("kb", &records[..1], 1000, one).unwrap();
        assert_eq!(exact.len(), 1);
    }

    #[test]
    fn a_record_too_big_for_any_request_is_refused() {
        let err = upsert_batches("kb", &[rec("ok", "a"), rec("huge", &"x".repeat(500))], 1000, 300).unwrap_err();
        assert!(matches!(&err, Error::InvalidInput { message, .. } if message.contains("`huge`")), "{err:?}");
    }

    #[test]
    fn no_records_make_no_batch_and_odd_namespaces_are_escaped() {
        assert!(upsert_batches("kb", &[], 1000, MAX_BODY_BYTES).unwrap().is_empty());
        let b = upsert_batches("a\"b", &[rec("x", "t")], 1000, MAX_BODY_BYTES).unwrap();
        let v: Value = serde_json::from_slice(&b[0].body).unwrap();
        assert_eq!(v["namespace"], json!("a\"b"));
    }
}
