//! [`StoreHealth`](growth_core::store::StoreHealth): a round trip to the database.

/// Implements `StoreHealth` for `$store`, answering `$backend` as its backend name.
macro_rules! impl_store_health {
    ($store:ty, $db:ty, backend = $backend:literal) => {
        #[async_trait::async_trait]
        impl growth_core::store::StoreHealth for $store {
            async fn ping(&self) -> growth_core::Result<()> {
                sqlx::query::<$db>("SELECT 1").execute(&self.pool).await.map(|_| ()).map_err($crate::repo::db_err)
            }

            fn backend(&self) -> &'static str {
                $backend
            }
        }
    };
}

pub(crate) use impl_store_health;
