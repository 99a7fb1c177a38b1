//! Conformance suite for [`Embedder`]: order, length, determinism, empty input, distinct texts,
//! and batches that equal single calls.

use std::sync::Arc;

use crate::vector::Embedder;

/// Runs every check against fresh embedders from `make`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Arc<dyn Embedder>>,
{
    super::named("the_model_has_a_name_and_dimensions", the_model_has_a_name_and_dimensions(make().await)).await;
    super::named("one_vector_per_input_in_input_order", one_vector_per_input_in_input_order(make().await)).await;
    super::named("every_vector_is_dimensions_long", every_vector_is_dimensions_long(make().await)).await;
    super::named("the_same_text_gives_the_same_vector", the_same_text_gives_the_same_vector(make().await, make().await)).await;
    super::named("empty_input_makes_no_vectors", empty_input_makes_no_vectors(make().await)).await;
    super::named("distinct_texts_give_distinct_vectors", distinct_texts_give_distinct_vectors(make().await)).await;
    super::named("a_batch_equals_single_calls", a_batch_equals_single_calls(make().await)).await;
}

/// Texts the checks embed: short, distinct, realistic.
pub fn sample_texts() -> Vec<String> {
    [
        "We grew from zero to ten thousand users without a sales team.",
        "Pricing pages convert better when the cheapest plan is not the default.",
        "Our founder records a podcast every Tuesday about product-led growth.",
        "The hiring plan for next quarter includes two engineers and a designer.",
        "Churn dropped after we called every customer who downgraded.",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn assert_close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= 1e-5, "{what}: component {i} differs ({x} vs {y})");
    }
}

pub async fn the_model_has_a_name_and_dimensions(e: Arc<dyn Embedder>) {
    assert!(!e.model().trim().is_empty(), "model() must name the model");
    assert!(e.dimensions() > 0, "dimensions() must be positive");
}

pub async fn one_vector_per_input_in_input_order(e: Arc<dyn Embedder>) {
    let texts = sample_texts();
    let forward = e.embed(&texts).await.unwrap();
    assert_eq!(forward.len(), texts.len(), "one vector per input");
    let reversed_texts: Vec<String> = texts.iter().rev().cloned().collect();
    let backward = e.embed(&reversed_texts).await.unwrap();
    assert_eq!(backward.len(), texts.len());
    for (i, v) in forward.iter().enumerate() {
        assert_close(v, &backward[texts.len() - 1 - i], &format!("input {i} embedded forward vs reversed"));
    }
}

pub async fn every_vector_is_dimensions_long(e: Arc<dyn Embedder>) {
    let dims = e.dimensions();
    for (i, v) in e.embed(&sample_texts()).await.unwrap().iter().enumerate() {
        assert_eq!(v.len(), dims, "vector {i} has {} floats; dimensions() is {dims}", v.len());
        assert!(v.iter().all(|x| x.is_finite()), "vector {i} has NaN or infinity");
    }
}

pub async fn the_same_text_gives_the_same_vector(e: Arc<dyn Embedder>, other: Arc<dyn Embedder>) {
    let texts = sample_texts();
    let a = e.embed(&texts).await.unwrap();
    let b = e.embed(&texts).await.unwrap();
    assert_eq!(e.model(), other.model());
    let c = other.embed(&texts).await.unwrap();
    for i in 0..texts.len() {
        assert_close(&a[i], &b[i], &format!("input {i}, two calls"));
        assert_close(&a[i], &c[i], &format!("input {i}, two instances of the same model"));
    }
}

pub async fn empty_input_makes_no_vectors(e: Arc<dyn Embedder>) {
    assert!(e.embed(&[]).await.unwrap().is_empty());
}

pub async fn distinct_texts_give_distinct_vectors(e: Arc<dyn Embedder>) {
    let vs = e.embed(&sample_texts()).await.unwrap();
    for i in 0..vs.len() {
        for j in i + 1..vs.len() {
            let sim = crate::vector::cosine(&vs[i], &vs[j]);
            assert!(sim < 0.999, "inputs {i} and {j} are different texts but their vectors have cosine {sim}");
        }
    }
}

pub async fn a_batch_equals_single_calls(e: Arc<dyn Embedder>) {
    let texts = sample_texts();
    let batch = e.embed(&texts).await.unwrap();
    for (i, t) in texts.iter().enumerate() {
        let single = e.embed(std::slice::from_ref(t)).await.unwrap();
        assert_eq!(single.len(), 1);
        assert_close(&batch[i], &single[0], &format!("input {i}, batch vs single call"));
    }
}
