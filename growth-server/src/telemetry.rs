//! Logging: JSON or pretty, filtered by the configured level (`RUST_LOG` wins when set); with the
//! `otlp` feature and an endpoint configured (`telemetry.otlp_endpoint` or
//! `OTEL_EXPORTER_OTLP_ENDPOINT`), the same spans are also exported as traces over OTLP/HTTP
//! (protobuf) by a batch processor on its own thread.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogFormat, TelemetrySettings};

/// Keeps the trace exporter running; dropping it exports what is still buffered and stops it
/// (keep it until the process ends). Without export it holds nothing.
#[must_use = "dropping the guard stops the trace export"]
#[derive(Debug, Default)]
pub struct TelemetryGuard {
    #[cfg(feature = "otlp")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Whether spans are being exported.
    pub fn exporting(&self) -> bool {
        #[cfg(feature = "otlp")]
        return self.provider.is_some();
        #[cfg(not(feature = "otlp"))]
        false
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        #[cfg(feature = "otlp")]
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("warning: exporting the last traces failed: {e}");
        }
    }
}

/// Installs the global subscriber (logs, and trace export when configured). Calling it twice is
/// harmless (the second call installs nothing and exports nothing).
pub fn init(format: LogFormat, level: &str, telemetry: &TelemetrySettings) -> TelemetryGuard {
    let filter = EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new(level)).unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::stderr().is_terminal();
    let json = matches!(format, LogFormat::Json).then(|| {
        tracing_subscriber::fmt::layer().json().flatten_event(true).with_current_span(true).with_writer(std::io::stderr).with_ansi(ansi)
    });
    let pretty = matches!(format, LogFormat::Pretty)
        .then(|| tracing_subscriber::fmt::layer().compact().with_writer(std::io::stderr).with_ansi(ansi));
    let endpoint = telemetry.traces_endpoint(|k| std::env::var(k).ok());
    let registry = tracing_subscriber::registry().with(filter).with(json).with(pretty);

    #[cfg(feature = "otlp")]
    {
        let exporter = endpoint.as_deref().map(|url| otlp_provider(url, &telemetry.service_name));
        let (provider, tracer) = match exporter {
            Some(Ok((provider, tracer))) => (Some(provider), Some(tracer)),
            Some(Err(e)) => {
                eprintln!("warning: traces are not exported: {e}");
                (None, None)
            }
            None => (None, None),
        };
        let layer = tracer.map(|t| tracing_opentelemetry::layer().with_tracer(t));
        if registry.with(layer).try_init().is_err() {
            // Someone installed a subscriber first: nothing of ours receives spans.
            if let Some(p) = provider {
                let _ = p.shutdown();
            }
            return TelemetryGuard::default();
        }
        TelemetryGuard { provider }
    }
    #[cfg(not(feature = "otlp"))]
    {
        let _ = registry.try_init();
        if let Some(url) = endpoint {
            tracing::warn!(endpoint = %url, "an OTLP endpoint is configured but this server was built without the `otlp` feature: no traces are exported");
        }
        TelemetryGuard::default()
    }
}

/// The tracer provider exporting to `url` (`…/v1/traces`), and a tracer of it.
#[cfg(feature = "otlp")]
fn otlp_provider(
    url: &str,
    service_name: &str,
) -> Result<(opentelemetry_sdk::trace::SdkTracerProvider, opentelemetry_sdk::trace::SdkTracer), opentelemetry_otlp::ExporterBuildError> {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::WithExportConfig as _;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(url)
        .with_timeout(std::time::Duration::from_secs(10))
        .build()?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name(service_name.to_owned()).build();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
    let tracer = provider.tracer("growth");
    Ok((provider, tracer))
}
