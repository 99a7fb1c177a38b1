//! Write your own `Publisher` and drive it through the real store: approve an item, schedule it,
//! claim it the way the scheduler does, publish, and record the outcome — exactly once.
//!
//! `cargo run --example custom_publisher`

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use growth::core::domain::*;
use growth::core::publish::{Publication, PublishRequest, Publisher, PublisherCapabilities};
use growth::core::store::Store;
use growth::core::{Error, Result, SystemClock};

/// Prints posts to stdout: the smallest honest publisher. It cannot look posts up afterwards, so it
/// says so in its capabilities and the scheduler will never resend after an unknown outcome.
#[derive(Debug)]
struct StdoutPublisher;

#[async_trait]
impl Publisher for StdoutPublisher {
    fn platform(&self) -> Platform {
        Platform::LINKEDIN
    }

    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities::default()
    }

    async fn publish(&self, req: &PublishRequest) -> Result<Publication> {
        println!("--- publishing {} ---\n{}\n---", req.content_item_id, req.content);
        Ok(Publication {
            platform_post_id: req.schedule_id.to_string(),
            url: None,
            published_at: chrono::Utc::now(),
            via: "stdout".into(),
            log: serde_json::json!({ "bytes": req.content.len() }),
        })
    }
}

#[tokio::main]
async fn main() -> std::result::Result<(), Error> {
    let db = growth::store::Database::connect(":memory:", Arc::new(SystemClock)).await?;
    db.migrate().await?;
    let store: Arc<dyn Store> = db.store();

    let draft = NewContentItem::draft(
        ContentType::LinkedinPost,
        Some("Free trials are not PLG".into()),
        "Most teams add a free trial and call it product-led.\n\nThat's the wrapper, not the product.\n\nWhat did your first self-serve win look like? Tell me below.",
    );
    let item = store.insert_content(draft).await?;
    store.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await?;
    let when = chrono::Utc::now() - chrono::Duration::seconds(1);
    let schedule = store
        .create_schedule(NewSchedule {
            content_item_id: item.id,
            platform: Platform::LINKEDIN,
            scheduled_time: when,
            timezone: "America/New_York".into(),
        })
        .await?;
    store
        .transition_content(
            item.id,
            ContentTransition { scheduled_publish_time: Some(when), ..ContentTransition::to(ContentStatus::Scheduled) },
        )
        .await?;

    let publisher = StdoutPublisher;
    for claimed in store.claim_due_schedules("example-worker", Duration::from_secs(60), 10).await? {
        store.transition_content(claimed.content_item_id, ContentTransition::to(ContentStatus::Publishing)).await?;
        let item = store.get_content(claimed.content_item_id).await?;
        let req = PublishRequest {
            schedule_id: claimed.id,
            content_item_id: item.id,
            content_type: item.content_type,
            title: item.title.clone(),
            content: item.content.clone(),
            platform_data: item.platform_data.clone(),
        };
        let published = publisher.publish(&req).await?;
        store
            .finish_schedule(
                claimed.id,
                "example-worker",
                ScheduleOutcome::Published { platform_post_id: Some(published.platform_post_id), url: published.url.clone() },
            )
            .await?;
        store
            .transition_content(
                item.id,
                ContentTransition {
                    published_url: published.url,
                    published_at: Some(published.published_at),
                    ..ContentTransition::to(ContentStatus::Published)
                },
            )
            .await?;
    }
    let done = store.get_schedule(schedule.id).await?;
    println!(
        "schedule {} is {}; a second claim finds {} due",
        done.id,
        done.status,
        store.claim_due_schedules("example-worker", Duration::from_secs(60), 10).await?.len()
    );
    Ok(())
}
