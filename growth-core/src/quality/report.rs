//! [`Checker`]: every gate over one draft, as one report (what `POST /quality/check` and
//! `growth check` show).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::icp::{IcpGate, IcpScore, IcpScorer, icp_verdict};
use super::{DraftUnderReview, QualityGate};
use crate::Result;
use crate::domain::{Finding, Verdict};

/// The full report of one draft.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Whether every gate passed.
    pub passed: bool,
    /// Every gate's verdict, in gate order (`icp` last when scored).
    pub verdicts: Vec<Verdict>,
    /// Every finding of every gate, in gate order.
    pub findings: Vec<Finding>,
    /// 0–1 human-likeness, from the `ai_likeness` gate.
    pub ai_detection_score: Option<f64>,
    /// Whether the `ai_likeness` gate passed.
    pub ai_detection_passed: Option<bool>,
    /// 0–100 ideal-customer fit (`None` without ICP profiles).
    pub icp_score: Option<i32>,
    /// Whether the ICP score reaches the threshold.
    pub icp_passed: Option<bool>,
    /// The ICP score's parts, explained.
    pub icp: Option<IcpScore>,
}

/// Runs the gates (and the ICP score, when a scorer is set).
#[derive(Clone, Debug)]
pub struct Checker {
    gates: Vec<Arc<dyn QualityGate>>,
    icp: Option<IcpScorer>,
}

impl Checker {
    /// A checker over `gates`, adding the `icp` gate when `icp` is set.
    pub fn new(gates: Vec<Arc<dyn QualityGate>>, icp: Option<IcpScorer>) -> Self {
        Self { gates, icp }
    }

    /// Every gate including `icp`, for the rewrite loop.
    pub fn gates(&self) -> Vec<Arc<dyn QualityGate>> {
        let mut out = self.gates.clone();
        if let Some(s) = &self.icp {
            out.push(Arc::new(IcpGate::new(s.clone())));
        }
        out
    }

    /// The report of one draft. A gate that cannot run is an error, never a pass.
    pub async fn report(&self, draft: &DraftUnderReview) -> Result<QualityReport> {
        let mut verdicts = Vec::with_capacity(self.gates.len() + 1);
        for g in &self.gates {
            verdicts.push(g.check(draft).await?);
        }
        let icp = match &self.icp {
            Some(s) => {
                let score = s.score(&draft.content).await?;
                verdicts.push(icp_verdict(score.as_ref()));
                score
            }
            None => None,
        };
        let ai = verdicts.iter().find(|v| v.gate == "ai_likeness");
        Ok(QualityReport {
            passed: verdicts.iter().all(|v| v.passed),
            findings: verdicts.iter().flat_map(|v| v.findings.iter().cloned()).collect(),
            ai_detection_score: ai.and_then(|v| v.score),
            ai_detection_passed: ai.map(|v| v.passed),
            icp_score: icp.as_ref().map(|s| s.score),
            icp_passed: icp.as_ref().map(|s| s.passed),
            icp,
            verdicts,
        })
    }
}
