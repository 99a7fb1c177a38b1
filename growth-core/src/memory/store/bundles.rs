//! [`BundlePieceStore`] in memory: the (bundle, piece) key is a map to the item, checked and
//! written under the one lock, so a key never gets a second item.

use async_trait::async_trait;

use super::InMemoryStore;
use super::content::insert_locked;
use crate::Result;
use crate::domain::*;
use crate::store::*;

#[async_trait]
impl BundlePieceStore for InMemoryStore {
    async fn insert_bundle_piece(&self, bundle: &str, piece: &str, item: NewContentItem) -> Result<(ContentItem, bool)> {
        let now = self.now();
        let mut s = self.lock();
        let key = (bundle.to_owned(), piece.to_owned());
        if let Some(id) = s.bundle_pieces.get(&key).copied()
            && let Some(existing) = s.content.iter().find(|c| c.id == id)
        {
            return Ok((existing.clone(), false));
        }
        let c = insert_locked(&mut s, item, now)?;
        s.bundle_pieces.insert(key, c.id);
        Ok((c, true))
    }

    async fn get_bundle_piece(&self, bundle: &str, piece: &str) -> Result<Option<ContentItem>> {
        let s = self.lock();
        let Some(id) = s.bundle_pieces.get(&(bundle.to_owned(), piece.to_owned())).copied() else { return Ok(None) };
        Ok(s.content.iter().find(|c| c.id == id).cloned())
    }
}
