//! Templates: turning ranked sentences into drafts of each content type.

use growth_core::domain::ContentType;
use growth_core::generate::Draft;
use growth_core::prompt::linkedin_format;
use growth_core::quality::cta::CtaCheck;
use growth_core::quality::hook::{HookCheck, hook_reasons};
use growth_core::quality::length::{LengthCheck, WordRange};
use growth_core::quality::repetition::{jaccard, word_trigrams};

use super::ExtractiveConfig;
use super::analysis::Analysis;

/// A hook line must stay under this many characters (the hook gate's limit is 100).
const HOOK_MAX_CHARS: usize = 90;
/// Supporting sentences looked at per anchor.
const POOL: usize = 30;
/// Two anchors more similar than this are the same idea.
const SAME_IDEA: f32 = 0.3;
/// A support more similar than this to its anchor repeats it.
const REPEATS: f32 = 0.7;
/// Fewest fresh candidates a request keeps when other pieces' sentences are reserved.
const MIN_FRESH: usize = 12;

/// The word count to aim for: a quarter of the way into the range (capped at a quarter above
/// the minimum), so the draft clears the minimum with room before the maximum.
fn target(range: WordRange) -> usize {
    range.min + ((range.max - range.min) / 4).min(range.min / 4)
}

fn words(text: &str) -> usize {
    LengthCheck::word_count(text)
}

/// A short, punchy line from `sentence`: the sentence itself when short, else its longest
/// leading clause that is; `None` when neither gives a reason to read on.
fn hook_from(sentence: &str) -> Option<String> {
    let s = sentence.trim();
    let fits = |t: &str| t.chars().count() < HOOK_MAX_CHARS && t.split_whitespace().count() >= 4;
    let line = if fits(s) {
        s.to_owned()
    } else {
        // Only cuts between independent clauses: at `;`, or at a comma followed by `and`/`but`/`so`.
        let mut best = None;
        for (i, c) in s.match_indices([',', ';']) {
            let rest = s[i + 1..].trim_start().to_lowercase();
            let independent = c == ";" || ["and ", "but ", "so "].iter().any(|w| rest.starts_with(w));
            let prefix = s[..i].trim_end();
            if independent && fits(prefix) && prefix.split_whitespace().count() >= 5 {
                best = Some(format!("{prefix}."));
            }
        }
        best?
    };
    (!hook_reasons(&line).is_empty()).then_some(line)
}

/// `s` in curly quotes; a line that is one straight-quoted sentence gets curly quotes instead
/// of a second pair.
fn quote(s: &str) -> String {
    let s = s.trim();
    match s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.contains('"') => format!("“{inner}”"),
        _ => format!("“{s}”"),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Lead-ins of a closing line that names the piece's topic (`{t}`), then the ones without.
const CLOSE_LEADS: &[&str] =
    &["Over to you on {t}:", "Your turn on {t}:", "Where do you stand on {t}?", "One question for you on {t}:", "A last word on {t}:"];
const CLOSE_LEADS_PLAIN: &[&str] = &["Over to you:", "Your turn:", "One question for you:", "Now you:", "A last word to you:"];

/// Lead-ins that attribute a quoted paragraph to `{f}`, in rotation.
const ATTRIBUTIONS: &[&str] = &["As {f} put it:", "{f} went on:", "In {f}'s words:", "{f} added:"];

/// One long-form section: an anchor quote and its supporting sentences.
struct Section {
    anchor: usize,
    supports: Vec<usize>,
}

/// Writes the drafts of one request from one analysis.
pub(super) struct Composer<'a> {
    a: &'a Analysis,
    config: &'a ExtractiveConfig,
    hook: &'a HookCheck,
    title: Option<&'a str>,
    cta_check: &'a CtaCheck,
    used: Vec<bool>,
    anchors: Vec<usize>,
    /// Closing lines already given to pieces of this request.
    closings: Vec<String>,
    /// The ranking this piece walks: best score first, or (blog posts) most central first, so a
    /// blog post and a newsletter from one episode do not open on the same lines.
    order: Vec<usize>,
}

impl<'a> Composer<'a> {
    pub(super) fn new(
        a: &'a Analysis,
        config: &'a ExtractiveConfig,
        hook: &'a HookCheck,
        cta_check: &'a CtaCheck,
        title: Option<&'a str>,
        content_type: ContentType,
    ) -> Self {
        let mut order = a.ranked.clone();
        if content_type == ContentType::BlogPost {
            let central = |i: usize| a.sentences[i].centrality;
            order.sort_by(|x, y| central(*y).total_cmp(&central(*x)).then(x.cmp(y)));
        }
        let title = title.map(str::trim).filter(|t| !t.is_empty());
        Self { a, config, hook, cta_check, title, used: vec![false; a.sentences.len()], anchors: Vec::new(), closings: Vec::new(), order }
    }

    /// Up to `count` drafts of `content_type`; fewer when the source runs out of distinct ideas.
    /// A draft too alike an earlier one of the request (word 3-gram Jaccard at or above this; the
    /// `repetition` gate's limit is 0.5) is dropped and the next idea tried.
    const TOO_ALIKE: f64 = 0.45;

    pub(super) fn write(&mut self, content_type: ContentType, count: usize) -> Vec<Draft> {
        let mut out: Vec<Draft> = Vec::with_capacity(count);
        let mut grams = Vec::with_capacity(count);
        let mut i = 0;
        // Each try takes at least one sentence, so this ends; tries are bounded to keep it fast.
        for _ in 0..count * 2 {
            if out.len() == count {
                break;
            }
            let draft = match content_type {
                ContentType::LinkedinPost => self.linkedin(i),
                ContentType::PreInterview => self.pre_interview(),
                ContentType::PostPublish => self.post_publish(),
                ContentType::Newsletter => self.newsletter(),
                ContentType::BlogPost => self.blog_post(),
            };
            let Some(d) = draft.filter(|d| !d.content.trim().is_empty()) else { break };
            let g = word_trigrams(&d.content);
            if grams.iter().all(|e| jaccard(&g, e) < Self::TOO_ALIKE) {
                grams.push(g);
                out.push(d);
                i += 1;
            } else {
                // The dropped draft's close is free again; the format rotation stays where it was.
                self.closings.pop();
            }
        }
        out
    }

    /// Marks the sentences other pieces of the bundle use (`ids`) as taken, so this request
    /// writes from other excerpts — unless that would leave fewer than [`MIN_FRESH`] candidates.
    pub(super) fn reserve(&mut self, ids: &[usize]) {
        let fresh = self.a.ranked.iter().filter(|i| !self.used[**i] && !ids.contains(i)).count();
        if fresh >= MIN_FRESH {
            for &i in ids {
                self.used[i] = true;
            }
        }
    }

    /// Every sentence taken so far (reserved ones included).
    pub(super) fn taken(&self) -> Vec<usize> {
        self.used.iter().enumerate().filter(|(_, u)| **u).map(|(i, _)| i).collect()
    }

    // --- picking sentences ---

    fn text(&self, i: usize) -> &'a str {
        &self.a.sentences[i].text
    }

    /// The best unused sentence that is not the same idea as an earlier anchor (any unused one
    /// when every idea is taken), preferring those that `prefer` accepts.
    fn next_anchor(&mut self, prefer: impl Fn(usize) -> bool) -> Option<usize> {
        let fresh = |i: &usize| !self.used[*i] && self.anchors.iter().all(|&b| self.a.similarity(*i, b) <= SAME_IDEA);
        let pick = (self.order.iter().copied().find(|i| fresh(i) && prefer(*i)))
            .or_else(|| self.order.iter().copied().find(|i| fresh(i)))
            .or_else(|| self.order.iter().copied().find(|i| !self.used[*i]))?;
        self.anchors.push(pick);
        self.used[pick] = true;
        Some(pick)
    }

    /// Unused candidates that support `anchor`, best first: half relevance to it, half their
    /// own score; near-repeats of the anchor left out.
    fn pool(&self, anchor: usize, n: usize) -> Vec<usize> {
        let mut scored: Vec<(usize, f32)> = self
            .a
            .ranked
            .iter()
            .copied()
            .filter(|&i| !self.used[i] && i != anchor)
            .map(|i| (i, self.a.similarity(anchor, i)))
            .filter(|(_, sim)| *sim <= REPEATS)
            .map(|(i, sim)| {
                let distance = self.a.sentences[i].turn.abs_diff(self.a.sentences[anchor].turn);
                let near = match distance {
                    0 => 0.25,
                    1..=2 => 0.12,
                    _ => 0.0,
                };
                (i, 0.5 * sim + 0.5 * self.a.sentences[i].score + near)
            })
            .collect();
        scored.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        scored.into_iter().take(n).map(|(i, _)| i).collect()
    }

    /// The sentences after `anchor` in its turn, in spoken order (a story as it was told).
    fn passage(&self, anchor: usize, n: usize) -> Vec<usize> {
        let turn = self.a.sentences[anchor].turn;
        (anchor + 1..self.a.sentences.len())
            .take_while(|&i| self.a.sentences[i].turn == turn)
            .filter(|&i| !self.used[i] && self.a.sentences[i].words >= 4 && !self.text(i).ends_with('?'))
            .take(n)
            .collect()
    }

    /// Distinct ideas, best first, without taking them.
    fn diverse(&self, n: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for &i in &self.order {
            if out.len() == n {
                break;
            }
            if !self.used[i] && out.iter().chain(&self.anchors).all(|&b| self.a.similarity(i, b) <= SAME_IDEA) {
                out.push(i);
            }
        }
        out
    }

    fn take(&mut self, ids: &[usize]) {
        for &i in ids {
            self.used[i] = true;
        }
    }

    // --- names and fixed lines ---

    fn who(&self) -> String {
        self.a.guest_name().unwrap_or("my guest").to_owned()
    }

    fn first(&self) -> String {
        self.a.guest_name().and_then(|n| n.split_whitespace().next()).unwrap_or("my guest").to_owned()
    }

    fn cta(&self, template: &str) -> String {
        template.trim().replace("{guest}", &self.who())
    }

    /// A closing line for this piece: the configured call to action, alone for the first piece
    /// and led in by the piece's topic (or a plain lead-in) for the others, never one an earlier
    /// piece of the request closed with, and always one the `cta` gate accepts.
    fn closing(&self, template: &str, index: usize, label: Option<&str>) -> String {
        let cta = self.cta(template);
        let mut variants = vec![cta.clone()];
        let leads: Vec<String> = match label {
            Some(t) => CLOSE_LEADS.iter().map(|l| l.replace("{t}", t)).chain(CLOSE_LEADS_PLAIN.iter().map(|l| (*l).to_owned())).collect(),
            None => CLOSE_LEADS_PLAIN.iter().map(|l| (*l).to_owned()).collect(),
        };
        let n = leads.len();
        variants.extend((0..n).map(|k| {
            let lead = &leads[(index + k) % n];
            // The call to action stays verbatim after its lead-in.
            format!("{lead} {cta}")
        }));
        let start = if index == 0 { 0 } else { 1 };
        variants[start..]
            .iter()
            .chain(&variants[..start])
            .find(|v| !self.closings.contains(v) && self.cta_check.findings(&format!("We doubled the price.\n\n{v}")).is_empty())
            .cloned()
            .unwrap_or(cta)
    }

    /// The closing line of the next piece of a request written in one go (see [`Self::closing`]).
    fn next_closing(&mut self, template: &str) -> String {
        let close = self.closing(template, self.closings.len(), None);
        self.closings.push(close.clone());
        close
    }

    /// Sentence `i` as the piece says it: the host's own line as it is, anyone else's in quotes.
    fn say(&self, i: usize) -> String {
        if self.a.is_host(i) { self.text(i).to_owned() } else { quote(self.text(i)) }
    }

    /// How a quoted speaker is named: first name, else "my guest" (the guest), else nobody.
    fn speaker_first(&self, i: usize) -> Option<String> {
        let speaker = self.a.sentences[i].speaker;
        match self.a.name(speaker) {
            Some(n) => n.split_whitespace().next().map(str::to_owned),
            None if speaker.is_some() && speaker == self.a.guest => Some("my guest".to_owned()),
            None => None,
        }
    }

    /// Sentences as paragraphs of `per` each. Runs of one speaker stay together; the host's are
    /// written as they are, anyone else's quoted and attributed ("As Ada put it: “…”"), with the
    /// lead-ins rotating from `attributed` on.
    fn voiced(&self, ids: &[usize], per: usize, attributed: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut n = attributed;
        for chunk in ids.chunks(per.max(1)) {
            let mut parts: Vec<String> = Vec::new();
            let mut k = 0;
            while k < chunk.len() {
                let speaker = self.a.sentences[chunk[k]].speaker;
                let host = self.a.is_host(chunk[k]);
                let mut run = vec![self.text(chunk[k])];
                while k + run.len() < chunk.len()
                    && self.a.sentences[chunk[k + run.len()]].speaker == speaker
                    && self.a.is_host(chunk[k + run.len()]) == host
                {
                    run.push(self.text(chunk[k + run.len()]));
                }
                let said = run.join(" ");
                if host {
                    parts.push(said);
                } else {
                    match self.speaker_first(chunk[k]) {
                        Some(f) => {
                            parts.push(format!("{} {}", ATTRIBUTIONS[n % ATTRIBUTIONS.len()].replace("{f}", &f), quote(&said)));
                            n += 1;
                        }
                        None => parts.push(quote(&said)),
                    }
                }
                k += run.len();
            }
            out.push(parts.join(" "));
        }
        out
    }

    fn on_title(&self) -> String {
        self.title.map(|t| format!(" ({t})")).unwrap_or_default()
    }

    // --- fitting ---

    /// Renders with more and more of `pool` until the draft reaches the target length, then
    /// backs off while it is over the maximum. Returns how many of `pool` to use.
    fn fit(&self, content_type: ContentType, pool_len: usize, render: impl Fn(usize) -> String) -> usize {
        let range = self.config.length.words_for(content_type);
        let target = target(range);
        let mut k = 0;
        let mut n = words(&render(0));
        while n < target && k < pool_len {
            k += 1;
            n = words(&render(k));
        }
        while n > range.max && k > 0 {
            k -= 1;
            n = words(&render(k));
        }
        k
    }

    /// The first hook whose draft passes the hook check (the last one otherwise: the fixed
    /// fallbacks are written to pass).
    fn with_hook(&self, content_type: ContentType, hooks: &[String], render: impl Fn(&str) -> String) -> String {
        let mut last = String::new();
        for h in hooks {
            last = render(h);
            if self.hook.findings(content_type, &last).is_empty() {
                return last;
            }
        }
        last
    }

    /// Hooks cut from sentences `ids`: the host's as they are, anyone else's in quotes.
    fn sentence_hooks(&self, ids: &[usize]) -> Vec<String> {
        ids.iter().filter_map(|&i| hook_from(self.text(i)).map(|h| if self.a.is_host(i) { h } else { quote(&h) })).collect()
    }

    // --- LinkedIn posts ---

    fn linkedin(&mut self, index: usize) -> Option<Draft> {
        let format = linkedin_format(index);
        let a = self.a;
        let anchor = match format {
            // A story needs a turn that goes on after its first line.
            "story" => self.next_anchor(|i| {
                let turn = a.sentences[i].turn;
                a.sentences.get(i + 4).is_some_and(|s| s.turn == turn)
            }),
            // A hot take needs a line that pushes against something.
            "hot_take" => {
                self.next_anchor(|i| hook_reasons(&a.sentences[i].text).contains(&growth_core::quality::hook::HookReason::Tension))
            }
            _ => self.next_anchor(|_| true),
        }?;
        let pool = if format == "story" {
            let mut p = self.passage(anchor, 12);
            let more: Vec<usize> = self.pool(anchor, POOL).into_iter().filter(|i| !p.contains(i)).collect();
            p.extend(more);
            p
        } else {
            self.pool(anchor, POOL)
        };
        // Lines about the speaker, with and without a name to give.
        let name = a.name(a.sentences[anchor].speaker);
        let first = name.and_then(|n| n.split_whitespace().next());
        let named = |with: &dyn Fn(&str, &str) -> String, without: &str| match (name, first) {
            (Some(n), Some(f)) => with(n, f),
            _ => without.to_owned(),
        };
        let host_anchor = a.is_host(anchor);
        let breaks_down = named(&|_, f| format!("Here's how {f} breaks it down:"), "Here's the breakdown:");
        let tells_it = named(&|_, f| format!("Here's how {f} tells it."), "Here's how it was told on the show.");
        let disagree = named(&|_, f| format!("Not everyone will agree with {f} on this."), "Not everyone will agree with this one.");
        let thats = named(&|n, _| format!("That's {n}, on the show."), "That line is from the show.");
        let stuck =
            named(&|n, _| format!("{n} said this on the show, and it stuck with me."), "This came up on the show, and it stuck with me.");
        let in_words = named(&|_, f| format!("In {f}'s words:"), "In full:");
        let anchor_text = self.text(anchor);
        let anchor_said = self.say(anchor);

        let mut hooks = self.sentence_hooks(&[anchor]);
        // The close is chosen once the body is fitted; a placeholder of the same shape meanwhile.
        let placeholder_close = self.cta(&self.config.cta);
        let render = |hook: &str, k: usize, close: &str| -> String {
            let supports = &pool[..k];
            let hook_is_anchor = hook == anchor_said;
            let mut parts: Vec<String> = vec![hook.to_owned()];
            match format {
                "framework" => {
                    parts.push(breaks_down.clone());
                    let items = std::iter::once(&anchor).chain(supports.iter());
                    parts.extend(items.enumerate().map(|(n, &i)| format!("{}. {}", n + 1, self.say(i))));
                }
                "story" => {
                    parts.push(tells_it.clone());
                    let passage: Vec<usize> = std::iter::once(anchor).chain(supports.iter().copied()).collect();
                    // The teller is named just above: the passage is quoted, attributed from the second paragraph on.
                    parts.extend(self.voiced(&passage, 2, 1));
                }
                "hot_take" => {
                    parts.push(disagree.clone());
                    if !hook_is_anchor {
                        parts.push(anchor_said.clone());
                    }
                    if !supports.is_empty() {
                        parts.push("The reasoning:".to_owned());
                        parts.extend(self.voiced(supports, 2, 0));
                    }
                }
                _ => {
                    let bare = hook.trim_matches(['“', '”']).trim_end_matches('.');
                    let hook_from_anchor = anchor_text.starts_with(bare);
                    if hook_is_anchor {
                        if !host_anchor {
                            parts.push(thats.clone());
                        }
                    } else if hook_from_anchor {
                        parts.push(stuck.clone());
                        parts.push(anchor_said.clone());
                    } else {
                        parts.push(in_words.clone());
                        parts.push(anchor_said.clone());
                    }
                    parts.extend(self.voiced(supports, 2, 1));
                }
            }
            parts.push(close.to_owned());
            parts.join("\n\n")
        };
        let k =
            self.fit(ContentType::LinkedinPost, pool.len(), |k| render(hooks.first().map_or("", String::as_str), k, &placeholder_close));
        let mut ids = vec![anchor];
        ids.extend(&pool[..k]);
        let label = a.label(&ids, &[]);
        let key = label.as_deref().map(|l| format!(" on {l}")).unwrap_or_default();
        if format == "framework" {
            let lessons = named(
                &|n, f| format!("{} lessons from {n}{key}, in {f}'s words.", k + 1),
                &format!("{} lessons from this episode{key}.", k + 1),
            );
            hooks.insert(0, lessons);
        }
        // Then a short line from the body, then fixed lines (rotated so posts do not share one).
        hooks.extend(self.sentence_hooks(&pool[..k.min(6)]));
        let fixed = match (name, first) {
            (Some(n), Some(f)) => [
                format!("{n} said something on the show that I can't stop thinking about."),
                format!("One line from {f}{key} changed how I think about it."),
                format!("{n} made a point on the show that most founders miss."),
                format!("I didn't expect to agree with {n} on this."),
            ],
            _ => [
                "My guest said something on the show that I can't stop thinking about.".to_owned(),
                format!("One line from this episode{key} changed how I think about it."),
                "My guest made a point on the show that most founders miss.".to_owned(),
                "I didn't expect to agree with my guest on this.".to_owned(),
            ],
        };
        hooks.extend((0..fixed.len()).map(|n| fixed[(index + n) % fixed.len()].clone()));
        hooks.push("One line from this episode I can't stop thinking about.".to_owned());
        let template = self.config.cta.clone();
        let close = self.closing(&template, index, label.as_deref());
        let content = self.with_hook(ContentType::LinkedinPost, &hooks, |h| render(h, k, &close));
        self.closings.push(close);
        self.take(&pool[..k]);
        Some(Draft { title: None, content, format: Some(format.to_owned()) })
    }

    fn pre_interview(&mut self) -> Option<Draft> {
        let pool = self.diverse(POOL);
        let first_quote = *pool.first()?;
        let who = self.who();
        let first = self.first();
        let template = self.config.pre_interview_cta.clone();
        let cta = self.next_closing(&template);
        let texts: Vec<&str> = pool.iter().map(|&i| self.text(i)).collect();
        let render = |hook: &str, k: usize| -> String {
            let mut parts = vec![hook.to_owned()];
            if self.a.guest_name().is_some() {
                parts.push(format!("We recorded last week, and a few of {first}'s lines are still with me."));
            } else {
                parts.push("We recorded last week, and a few lines are still with me.".to_owned());
            }
            parts.push("A preview, in their own words:".to_owned());
            parts.extend(texts[..k].iter().map(|t| quote(t)));
            parts.push(cta.clone());
            parts.join("\n\n")
        };
        let hooks = vec![
            format!("Next week on the show: {who}."),
            format!("{who} is on the show next week."),
            "A few lines from next week's episode I can't stop quoting.".to_owned(),
        ];
        let k = self.fit(ContentType::PreInterview, pool.len(), |k| render(&hooks[0], k)).max(1);
        let content = self.with_hook(ContentType::PreInterview, &hooks, |h| render(h, k));
        self.anchors.push(first_quote);
        self.take(&pool[..k]);
        Some(Draft { title: None, content, format: Some(ContentType::PreInterview.as_str().to_owned()) })
    }

    fn post_publish(&mut self) -> Option<Draft> {
        let ideas = self.diverse(POOL);
        let first_idea = *ideas.first()?;
        // Each idea comes with the best sentence that supports it.
        let mut items: Vec<(usize, Option<usize>)> = Vec::new();
        let mut taken: Vec<usize> = ideas.clone();
        for &i in &ideas {
            let support = self.pool(i, 5).into_iter().find(|s| !taken.contains(s));
            if let Some(s) = support {
                taken.push(s);
            }
            items.push((i, support));
        }
        let who = self.who();
        let template = self.config.post_publish_cta.clone();
        let cta = self.next_closing(&template);
        let render = |hook: &str, k: usize| -> String {
            let mut parts = vec![hook.to_owned()];
            parts.push(format!("{} ideas from it worth your time:", k.max(1)));
            for (n, (idea, support)) in items[..k].iter().enumerate() {
                let mut item = format!("{}. {}", n + 1, self.say(*idea));
                if let Some(s) = support {
                    item.push(' ');
                    item.push_str(&self.say(*s));
                }
                parts.push(item);
            }
            parts.push(cta.clone());
            parts.join("\n\n")
        };
        let hooks = vec![
            format!("New episode with {who} is out."),
            format!("{who} is on the show this week."),
            "Our new episode is out, and I haven't stopped thinking about it.".to_owned(),
        ];
        let k = self.fit(ContentType::PostPublish, items.len(), |k| render(&hooks[0], k)).max(1);
        let content = self.with_hook(ContentType::PostPublish, &hooks, |h| render(h, k));
        self.anchors.push(first_idea);
        for (idea, support) in &items[..k] {
            self.take(&[*idea]);
            if let Some(s) = support {
                self.take(&[*s]);
            }
        }
        Some(Draft { title: None, content, format: Some(ContentType::PostPublish.as_str().to_owned()) })
    }

    // --- long form ---

    /// Sections for a long-form piece, added until the draft reaches its target length.
    fn sections_with(&mut self, content_type: ContentType, render: impl Fn(&Self, &[Section]) -> String) -> Vec<Section> {
        let range = self.config.length.words_for(content_type);
        let target = target(range);
        let mut sections: Vec<Section> = Vec::new();
        while words(&render(self, &sections)) < target {
            let Some(anchor) = self.next_anchor(|_| true) else { break };
            let supports = self.pool(anchor, 4);
            self.take(&supports);
            sections.push(Section { anchor, supports });
        }
        while words(&render(self, &sections)) > range.max && sections.len() > 1 {
            sections.pop();
        }
        sections
    }

    /// The headings of `sections`, in order: the host's own anchor when short, else "On <topic>"
    /// with a noun phrase of the episode no earlier section took, else the anchor quoted when
    /// short, else its speaker's name ("More from Ada").
    fn headings(&self, sections: &[Section]) -> Vec<String> {
        let mut taken: Vec<String> = Vec::new();
        let mut out = Vec::with_capacity(sections.len());
        for s in sections {
            let anchor = self.text(s.anchor).trim().trim_end_matches(['.', '!']);
            let short = anchor.chars().count() <= 70 && !anchor.contains('"');
            let mut ids = vec![s.anchor];
            ids.extend(&s.supports);
            let heading = if short && self.a.is_host(s.anchor) {
                anchor.to_owned()
            } else if let Some(label) = self.a.label(&ids, &taken) {
                taken.push(label.clone());
                capitalise(&format!("on {label}"))
            } else if short {
                quote(anchor)
            } else {
                match self.speaker_first(s.anchor) {
                    Some(f) => format!("More from {f}"),
                    None => "More from the show".to_owned(),
                }
            };
            out.push(heading);
        }
        out
    }

    fn section_text(&self, s: &Section, numbered: Option<usize>, heading: &str) -> String {
        let title = numbered.map_or(heading.to_owned(), |n| format!("{n}. {heading}"));
        let quote = match self.a.name(self.a.sentences[s.anchor].speaker) {
            Some(name) => format!("> **{name}:** {}", self.text(s.anchor)),
            None => format!("> {}", self.text(s.anchor)),
        };
        let mut parts = vec![format!("## {title}"), quote];
        parts.extend(self.voiced(&s.supports, 2, 1));
        parts.join("\n\n")
    }

    fn newsletter(&mut self) -> Option<Draft> {
        let who = self.who();
        let first = self.first();
        let intro = match self.a.guest_name() {
            Some(_) => format!(
                "This week I went back through my conversation with {who}{}. Here are the ideas I'd put to work, in {first}'s own words.",
                self.on_title()
            ),
            None => format!("This week I went back through our latest episode{}. Here are the ideas I'd put to work.", self.on_title()),
        };
        let template = self.config.newsletter_cta.clone();
        let cta = self.next_closing(&template);
        let render = |this: &Self, hook: &str, sections: &[Section]| -> String {
            let mut parts = vec![hook.to_owned(), intro.clone()];
            let headings = this.headings(sections);
            parts.extend(sections.iter().zip(&headings).enumerate().map(|(n, (s, h))| this.section_text(s, Some(n + 1), h)));
            parts.push(cta.clone());
            parts.join("\n\n")
        };
        let placeholder = "One line from this episode I can't stop thinking about.";
        let sections = self.sections_with(ContentType::Newsletter, |this, s| render(this, placeholder, s));
        let anchor = sections.first()?.anchor;
        let mut hooks = self.sentence_hooks(&[anchor]);
        hooks.extend(self.sentence_hooks(&sections.iter().skip(1).map(|s| s.anchor).collect::<Vec<_>>()));
        hooks.push(format!("{} ideas from {who} I'd put to work this week.", sections.len()));
        let content = self.with_hook(ContentType::Newsletter, &hooks, |h| render(self, h, &sections));
        let title = match (self.a.guest_name(), self.title) {
            (Some(g), _) => format!("{} ideas worth stealing from {g}", sections.len()),
            (None, Some(t)) => format!("{t}: {} ideas worth stealing", sections.len()),
            (None, None) => format!("{} ideas worth stealing from this week's episode", sections.len()),
        };
        Some(Draft { title: Some(title), content, format: Some(ContentType::Newsletter.as_str().to_owned()) })
    }

    fn blog_post(&mut self) -> Option<Draft> {
        let who = self.who();
        let first = self.first();
        let intro = match self.a.guest_name() {
            Some(_) => format!(
                "I talked with {who}{}. Below are the points worth keeping, each in {first}'s own words, and what to do with them.",
                self.on_title()
            ),
            None => format!("Below are the points worth keeping from our latest episode{}, and what to do with them.", self.on_title()),
        };
        let template = self.config.blog_cta.clone();
        let cta = self.next_closing(&template);
        let next_steps = |this: &Self, sections: &[Section]| -> Vec<usize> {
            let mut out = Vec::new();
            for &i in &this.order {
                if out.len() == 3 {
                    break;
                }
                let in_sections = sections.iter().any(|s| s.anchor == i || s.supports.contains(&i));
                if !this.used[i] && !in_sections && this.a.sentences[i].words <= 22 {
                    out.push(i);
                }
            }
            out
        };
        let render = |this: &Self, hook: &str, sections: &[Section]| -> String {
            let mut parts = vec![hook.to_owned(), intro.clone()];
            let headings = this.headings(sections);
            parts.extend(sections.iter().zip(&headings).map(|(s, h)| this.section_text(s, None, h)));
            let steps = next_steps(this, sections);
            if !steps.is_empty() {
                parts.push("## What to do next".to_owned());
                parts.push(steps.iter().map(|&i| format!("- {}", this.say(i))).collect::<Vec<_>>().join("\n"));
            }
            parts.push(cta.clone());
            parts.join("\n\n")
        };
        let placeholder = "One line from this episode I can't stop thinking about.";
        let sections = self.sections_with(ContentType::BlogPost, |this, s| render(this, placeholder, s));
        let anchor = sections.first()?.anchor;
        let mut hooks = self.sentence_hooks(&[anchor]);
        hooks.push(format!("{} lessons from my conversation with {who}.", sections.len()));
        let content = self.with_hook(ContentType::BlogPost, &hooks, |h| render(self, h, &sections));
        let ids: Vec<usize> = sections.iter().map(|s| s.anchor).collect();
        let title = match (self.a.guest_name(), self.title, self.a.label(&ids, &[])) {
            (Some(g), _, Some(topic)) => format!("{g} on {topic}"),
            (Some(g), _, None) => format!("{} lessons from my conversation with {g}", sections.len()),
            (None, Some(t), Some(topic)) => format!("{t}: {topic}"),
            (None, Some(t), None) => format!("{t}: {} lessons", sections.len()),
            (None, None, Some(topic)) => capitalise(&format!("lessons on {topic}")),
            (None, None, None) => format!("{} lessons from this week's episode", sections.len()),
        };
        Some(Draft { title: Some(title), content, format: Some(ContentType::BlogPost.as_str().to_owned()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_line_with_a_reason_to_read_on_is_its_own_hook() {
        assert_eq!(hook_from("We cut the trial to 7 days.").as_deref(), Some("We cut the trial to 7 days."));
        assert_eq!(hook_from("Marketing is important for companies."), None, "no reason to read on");
    }

    #[test]
    fn a_long_line_is_cut_only_between_independent_clauses() {
        let long = "We cut our trial from 30 days to 7 days, and paid conversions went up 38% in the first quarter \
                    after we made that change to the onboarding.";
        assert_eq!(hook_from(long).as_deref(), Some("We cut our trial from 30 days to 7 days."));
        let no_cut = "I also think that sales CEOs, from what I've seen, intuitively understand two other big things, \
                      which are culture and process that nobody else ever seems to get right at all.";
        assert_eq!(hook_from(no_cut), None);
    }

    #[test]
    fn a_straight_quoted_line_gets_curly_quotes_not_a_second_pair() {
        assert_eq!(quote("\"Why are we doing this?\""), "“Why are we doing this?”");
        assert_eq!(quote("We said \"no\" twice."), "“We said \"no\" twice.”");
    }

    #[test]
    fn the_target_sits_a_quarter_into_the_range() {
        assert_eq!(target(WordRange::new(200, 400)), 250);
        assert_eq!(target(WordRange::new(1000, 1500)), 1125);
        assert_eq!(target(WordRange::new(800, 2500)), 1000);
    }
}
