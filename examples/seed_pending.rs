//! Seeds a database for the review load test: 1,000 items in review (90 bundles of 11 and one of
//! 10, ~1,500 characters each) and an approver who signs in with a password.
//!
//! `cargo run --release --example seed_pending -- <database_url> <email> <password>`
//! (used by `scripts/load-pending.sh`).

use std::sync::Arc;

use growth::core::domain::*;
use growth::core::{Error, Result, SystemClock};

const PARAGRAPH: &str = "We doubled trial-to-paid by showing the price on the pricing page instead of hiding it behind a demo call. \
Buyers told us the same thing in every call: if they cannot see the number, they assume it is too high, and they leave. \
So we put three plans on one page, wrote what each plan is for in one sentence, and moved the demo button below the fold. ";

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, email, password] = args.as_slice() else {
        return Err(Error::invalid("usage: seed_pending <database_url> <email> <password>"));
    };
    let db = growth::store::Database::connect(url, Arc::new(SystemClock)).await?;
    db.migrate().await?;
    let store = db.store();
    let user = db
        .users()
        .create_user(NewUser { email: email.clone(), full_name: None, role: Role::Approver, auth_provider: AuthProvider::Email })
        .await?;
    let hash = growth_server::auth::hash_password(password.clone()).await.map_err(|e| Error::internal_msg(e.to_string()))?;
    db.auth().set_password_hash(user.id, &hash).await?;
    let types = [ContentType::LinkedinPost; 7].into_iter().chain([
        ContentType::PreInterview,
        ContentType::PostPublish,
        ContentType::Newsletter,
        ContentType::BlogPost,
    ]);
    let types: Vec<ContentType> = types.collect();
    let mut n = 0;
    for b in 0..91 {
        let source = NewSource {
            source_type: Some(SourceType::Podcast),
            source_id: Some(format!("episode-{b}")),
            title: Some(format!("Podcast #{b} - Guest {b}")),
            transcript: Some("Host: welcome".into()),
            ..NewSource::default()
        };
        let s = store.create_source(source).await?.value;
        for t in &types {
            if n == 1_000 {
                break;
            }
            let content: String = format!("Item {n}. ") + &PARAGRAPH.repeat(6).chars().take(1_480).collect::<String>();
            let mut item = NewContentItem::draft(*t, Some(format!("Bundle {b}: {t}")), content);
            item.source_id = Some(s.id);
            store.insert_content(item).await?;
            n += 1;
        }
    }
    db.close().await;
    println!("seeded {n} items in review and {email}");
    Ok(())
}
