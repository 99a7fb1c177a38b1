//! Users, password hashes and refresh tokens.

use std::sync::Arc;

use super::FullStore;
use super::{at, new_user};
use crate::Error;
use crate::clock::{Clock, ManualClock};
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

pub async fn a_disabled_user_keeps_the_first_disable_time_and_revokes_earlier_sessions(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let u = s.create_user(new_user("off@x.co", Role::Approver)).await.unwrap();
    assert!(u.is_active() && u.disabled_at.is_none() && u.sessions_revoked_at.is_none());
    let issued = c.now();
    assert!(u.accepts_token_issued_at(issued));
    c.advance(chrono::Duration::seconds(5));
    let off = s.set_user_disabled(u.id, true).await.unwrap();
    assert_eq!((off.disabled_at, off.sessions_revoked_at), (Some(at(&c, 0)), Some(at(&c, 0))));
    assert!(!off.is_active() && !off.accepts_token_issued_at(issued));
    assert_eq!(s.get_user(u.id).await.unwrap(), off, "stored");
    c.advance(chrono::Duration::seconds(5));
    let again = s.set_user_disabled(u.id, true).await.unwrap();
    assert_eq!(again.disabled_at, off.disabled_at, "disabling twice keeps when it began");
    assert_eq!(again.sessions_revoked_at, Some(at(&c, 0)));
    c.advance(chrono::Duration::seconds(5));
    let on = s.set_user_disabled(u.id, false).await.unwrap();
    assert!(on.is_active());
    assert_eq!(on.sessions_revoked_at, again.sessions_revoked_at, "enabling keeps the revocation epoch");
    assert!(!on.accepts_token_issued_at(issued), "a token from before the revocation stays refused");
    assert!(on.accepts_token_issued_at(c.now()), "a token issued after it works");
    assert!(matches!(s.set_user_disabled(UserId::new(), true).await, Err(Error::NotFound { .. })));
}

pub async fn revoking_a_users_sessions_refuses_earlier_tokens_and_keeps_the_account_active(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let u = s.create_user(new_user("reset@x.co", Role::Approver)).await.unwrap();
    let issued = c.now();
    c.advance(chrono::Duration::seconds(5));
    let revoked = s.revoke_user_sessions(u.id).await.unwrap();
    assert_eq!(revoked.sessions_revoked_at, Some(at(&c, 0)));
    assert!(revoked.is_active() && revoked.disabled_at.is_none(), "never disabled, not even for a moment");
    assert!(!revoked.accepts_token_issued_at(issued), "a token from before the revocation is refused");
    assert!(revoked.accepts_token_issued_at(c.now() + chrono::Duration::seconds(1)), "a token issued after it works");
    assert_eq!(s.get_user(u.id).await.unwrap(), revoked, "stored");
    assert!(matches!(s.revoke_user_sessions(UserId::new()).await, Err(Error::NotFound { .. })));
}

pub async fn a_users_tokens_are_revoked_together_and_a_family_knows_when_it_began(s: Arc<dyn FullStore>, c: Arc<ManualClock>) {
    let u = s.create_user(new_user("fam@x.co", Role::Viewer)).await.unwrap();
    let other = s.create_user(new_user("other@x.co", Role::Viewer)).await.unwrap();
    let (f1, f2) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let began = c.now();
    s.insert_refresh_token(u.id, f1, "f1-a", at(&c, 3600)).await.unwrap();
    c.advance(chrono::Duration::seconds(30));
    let a2 = s.insert_refresh_token(u.id, f1, "f1-b", at(&c, 3600)).await.unwrap();
    s.insert_refresh_token(u.id, f2, "f2-a", at(&c, 3600)).await.unwrap();
    s.insert_refresh_token(other.id, uuid::Uuid::now_v7(), "other", at(&c, 3600)).await.unwrap();
    assert_eq!(s.refresh_family_started_at(f1).await.unwrap(), Some(began), "the first token, not the latest rotation");
    assert_eq!(s.refresh_family_started_at(f2).await.unwrap(), Some(at(&c, 0)));
    assert_eq!(s.refresh_family_started_at(uuid::Uuid::now_v7()).await.unwrap(), None);
    s.revoke_refresh_family(f2).await.unwrap();
    assert_eq!(s.revoke_user_tokens(u.id).await.unwrap(), 2, "the two live tokens of f1");
    for hash in ["f1-a", "f1-b", "f2-a"] {
        assert!(s.find_refresh_token(hash).await.unwrap().unwrap().revoked_at.is_some(), "{hash}");
    }
    assert!(!s.use_refresh_token(a2.id).await.unwrap());
    assert!(s.find_refresh_token("other").await.unwrap().unwrap().revoked_at.is_none(), "another user's tokens stay");
    assert_eq!(s.revoke_user_tokens(u.id).await.unwrap(), 0);
}
