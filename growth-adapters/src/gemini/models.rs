//! Wire types (`pub(crate)`), camelCase as Google sends them; everything but `name` optional.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConferenceRecord {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) start_time: Option<String>,
    #[serde(default)]
    pub(crate) end_time: Option<String>,
    #[serde(default)]
    pub(crate) expire_time: Option<String>,
    #[serde(default)]
    pub(crate) space: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConferenceRecordList {
    #[serde(default)]
    pub(crate) conference_records: Vec<ConferenceRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Participant {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) signedin_user: Option<User>,
    #[serde(default)]
    pub(crate) anonymous_user: Option<User>,
    #[serde(default)]
    pub(crate) phone_user: Option<User>,
}

impl Participant {
    pub(crate) fn display_name(&self) -> Option<&str> {
        [&self.signedin_user, &self.anonymous_user, &self.phone_user]
            .into_iter()
            .flatten()
            .find_map(|u| u.display_name.as_deref().filter(|n| !n.trim().is_empty()))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    #[serde(default)]
    pub(crate) display_name: Option<String>,
}

/// A transcript or a smart note: both are a Docs artifact with a state.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Artifact {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) state: Option<String>,
    #[serde(default)]
    pub(crate) start_time: Option<String>,
    #[serde(default)]
    pub(crate) docs_destination: Option<DocsDestination>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DocsDestination {
    #[serde(default)]
    pub(crate) document: Option<String>,
    #[serde(default)]
    pub(crate) export_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TranscriptEntry {
    #[serde(default)]
    pub(crate) participant: Option<String>,
    #[serde(default)]
    pub(crate) text: String,
    #[serde(default)]
    pub(crate) start_time: Option<String>,
    #[serde(default)]
    pub(crate) end_time: Option<String>,
}
