//! Users, password hashes and refresh tokens.

use std::sync::Arc;

use super::FullStore;
use super::{at, new_user};
use crate::Error;
use crate::clock::ManualClock;
use crate::domain::*;

pub async fn users_are_unique_by_email_case_insensitively(s: Arc<dyn FullStore>, _c: Arc<ManualClock>) {
    let u = s.create_user(new_user("Wes@ProductLed.com", Role::Approver)).await.unwrap();
    assert_eq!(u.email, "wes@productled.com");
    assert_eq!(u.created_at, crate::testkit::epoch());
    assert_eq!(s.get_user(u.id).await.unwrap(), u);
    assert_eq!(s.find_user_by_email("WES@productled.com").await.unwrap(), Some(u.clone()));
    assert_eq!(s.find_user_by_email("nobody@x.com").await.unwrap(), None);
    assert!(matches!(s.create_user(new_user("wes@PRODUCTLED.com", Role::Viewer)).await, Err(Error::Conflict { .. })));
    assert!(matches!(s.create_user(new_user("not-an-email", Role::Viewer)).await, Err(Error::InvalidInput { .. })));
    let admin = s.set_user_role(u.id, Role::Admin).await.unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(s.list_users().await.unwrap().len(), 1);
}

pub async fn passwords_and_refresh_tokens_are_kept_and_spent_once(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let u = s.create_user(new_user("pw@x.co", Role::Viewer)).await.unwrap();
    assert_eq!(s.password_hash(u.id).await.unwrap(), None);
    s.set_password_hash(u.id, "$argon2id$v=19$first").await.unwrap();
    s.set_password_hash(u.id, "$argon2id$v=19$second").await.unwrap();
    assert_eq!(s.password_hash(u.id).await.unwrap().as_deref(), Some("$argon2id$v=19$second"));
    assert!(matches!(s.set_password_hash(UserId::new(), "h").await, Err(Error::NotFound { .. })));

    let family = uuid::Uuid::now_v7();
    let t = s.insert_refresh_token(u.id, family, "hash-1", at(&c, 60)).await.unwrap();
    assert_eq!((t.user_id, t.family_id, t.expires_at), (u.id, family, at(&c, 60)));
    assert!(matches!(s.insert_refresh_token(u.id, family, "hash-1", at(&c, 60)).await, Err(Error::Conflict { .. })));
    assert_eq!(s.find_refresh_token("hash-1").await.unwrap().map(|x| x.id), Some(t.id));
    assert_eq!(s.find_refresh_token("nope").await.unwrap(), None);
    assert!(s.use_refresh_token(t.id).await.unwrap(), "the first use wins");
    assert!(!s.use_refresh_token(t.id).await.unwrap(), "a second use is refused");
    let t2 = s.insert_refresh_token(u.id, family, "hash-2", at(&c, 60)).await.unwrap();
    s.revoke_refresh_family(family).await.unwrap();
    assert!(s.find_refresh_token("hash-2").await.unwrap().unwrap().revoked_at.is_some());
    assert!(!s.use_refresh_token(t2.id).await.unwrap(), "a revoked token cannot be used");
}
