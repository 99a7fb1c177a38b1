//! `[telemetry]`: trace export.

use serde::Deserialize;

/// Traces over OTLP/HTTP (the server's `otlp` feature).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// The collector's OTLP/HTTP base URL (`http://otel-collector:4318`; spans go to
    /// `<url>/v1/traces`). Unset: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` when set, else no export.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of the exported spans.
    pub service_name: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self { otlp_endpoint: None, service_name: "growth".into() }
    }
}

impl TelemetrySettings {
    /// Where spans go: the setting (with `/v1/traces` added), else what the standard environment
    /// variables say (`None` when nothing is configured: no export).
    pub fn traces_endpoint(&self, env: impl Fn(&str) -> Option<String>) -> Option<String> {
        let nonempty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if let Some(base) = nonempty(self.otlp_endpoint.clone()) {
            let base = base.trim_end_matches('/');
            return Some(if base.ends_with("/v1/traces") { base.to_owned() } else { format!("{base}/v1/traces") });
        }
        if let Some(full) = nonempty(env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
            return Some(full);
        }
        nonempty(env("OTEL_EXPORTER_OTLP_ENDPOINT")).map(|base| format!("{}/v1/traces", base.trim_end_matches('/')))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_comes_from_the_setting_then_the_standard_variables() {
        let none = |_: &str| None;
        assert_eq!(TelemetrySettings::default().traces_endpoint(none), None);
        let set = TelemetrySettings { otlp_endpoint: Some("http://collector:4318/".into()), ..TelemetrySettings::default() };
        assert_eq!(set.traces_endpoint(none).as_deref(), Some("http://collector:4318/v1/traces"));
        let base = |k: &str| (k == "OTEL_EXPORTER_OTLP_ENDPOINT").then(|| "http://c:4318".to_owned());
        assert_eq!(TelemetrySettings::default().traces_endpoint(base).as_deref(), Some("http://c:4318/v1/traces"));
        let full = |k: &str| (k == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").then(|| "http://c:4318/custom".to_owned());
        assert_eq!(TelemetrySettings::default().traces_endpoint(full).as_deref(), Some("http://c:4318/custom"));
    }
}
