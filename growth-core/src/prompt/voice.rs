//! [`Voice`]: who the drafts are written as (the "character diamond") and the content principles.

use serde::{Deserialize, Serialize};

/// The voice the drafts are written in: the founder's character diamond (PRD §4.2) and the
/// content principles every piece follows.
///
/// [`Voice::default`] holds the PRD's starting text (Wes Bush, ProductLed); every field can be
/// replaced from configuration, and fields left out keep their defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Voice {
    /// Who writes (`Wes Bush`).
    pub name: String,
    /// What they are (`CEO of ProductLed and bestselling author`).
    pub role: String,
    /// Character diamond: what they are known for.
    pub known_for: Vec<String>,
    /// Character diamond: their quirks.
    pub quirks: Vec<String>,
    /// Character diamond: their passions.
    pub passions: Vec<String>,
    /// Character diamond: their tone.
    pub tone: String,
    /// Content principles, one rule each.
    pub principles: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for Voice {
    fn default() -> Self {
        Self {
            name: "Wes Bush".to_owned(),
            role: "CEO of ProductLed and bestselling author".to_owned(),
            known_for: strings(&["PLG expertise", "tactical frameworks"]),
            quirks: strings(&["Loves free stuff", "data-driven"]),
            passions: strings(&["Pickleball", "travel"]),
            tone: "Professional but not corporate, friendly".to_owned(),
            principles: strings(&[
                "No AI slop - sound human, not robotic",
                "Strong hooks (first line must grab attention)",
                "Clear, actionable CTAs (not vague)",
                "Use \"you\" not \"users\" or \"companies\"",
                "Short sentences, easy to scan",
            ]),
        }
    }
}

impl Voice {
    /// The voice as the first system block: identity, character diamond, principles and the rules
    /// learned from reviewers' edits (that section only when there are any).
    pub fn render(&self, learned_rules: &[String]) -> String {
        let mut out = format!("You are {}, {}.\n\nVOICE & STYLE (from Character Diamond):\n", self.name.trim(), self.role.trim());
        let diamond = [("Known for", &self.known_for), ("Quirks", &self.quirks), ("Passions", &self.passions)];
        for (label, items) in diamond {
            let items: Vec<&str> = items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
            if !items.is_empty() {
                out.push_str(&format!("- {label}: {}\n", items.join(", ")));
            }
        }
        if !self.tone.trim().is_empty() {
            out.push_str(&format!("- Tone: {}\n", self.tone.trim()));
        }
        push_list(&mut out, "CONTENT PRINCIPLES", &self.principles);
        push_list(&mut out, "RULES LEARNED FROM REVIEWERS' EDITS (follow them, they override the above)", learned_rules);
        out.trim_end().to_owned()
    }
}

fn push_list(out: &mut String, heading: &str, items: &[String]) {
    let items: Vec<&str> = items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("\n{heading}:\n"));
    for item in items {
        out.push_str(&format!("- {item}\n"));
    }
}
