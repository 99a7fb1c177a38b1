//! Typed ids: a `ContentId` can never be passed where a `ScheduleId` is expected.

use super::macros::id_type;

id_type!(
    /// Identifies a [`User`](super::User).
    UserId, "user"
);
id_type!(
    /// Identifies a [`ContentSource`](super::ContentSource).
    SourceId, "source"
);
id_type!(
    /// Identifies a [`ContentItem`](super::ContentItem).
    ContentId, "content item"
);
id_type!(
    /// Identifies a [`ContentEdit`](super::ContentEdit).
    EditId, "content edit"
);
id_type!(
    /// Identifies a [`Schedule`](super::Schedule).
    ScheduleId, "schedule"
);
id_type!(
    /// Identifies a [`PublishingLog`](super::PublishingLog) row.
    PublishLogId, "publishing log"
);
id_type!(
    /// Identifies an [`Analytics`](super::Analytics) row.
    AnalyticsId, "analytics row"
);
id_type!(
    /// Identifies a [`KnowledgeItem`](super::KnowledgeItem).
    KnowledgeId, "knowledge item"
);
id_type!(
    /// Identifies an [`IcpProfile`](super::IcpProfile).
    IcpProfileId, "ICP profile"
);
id_type!(
    /// Identifies an [`Objection`](super::Objection).
    ObjectionId, "objection"
);
id_type!(
    /// Identifies a [`Job`](super::Job).
    JobId, "job"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_display_and_from_str() {
        let id = ContentId::new();
        let parsed: ContentId = id.to_string().parse().unwrap();
        assert_eq!(id, parsed);
    }

    #[test]
    fn a_malformed_id_is_invalid_input_naming_the_entity() {
        let err = "not-a-uuid".parse::<ScheduleId>().unwrap_err();
        assert!(matches!(err, crate::Error::InvalidInput { .. }));
        assert!(err.to_string().contains("schedule id"), "{err}");
    }

    #[test]
    fn new_ids_sort_by_creation_time() {
        let a = JobId::new();
        let b = JobId::new();
        assert!(a < b);
    }

    #[test]
    fn ids_serialize_as_plain_uuid_strings() {
        let id = UserId::new();
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{id}\""));
    }
}
